"""Before/after comparison of snapshots: view, toolbar, render job, export dialog, snapshots panel."""
