"""The window itself: application start, main window, menus, file actions, recent files, error dialogs, theme, crash-recovery dialog."""
