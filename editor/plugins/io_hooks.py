"""Plugin readers and writers, guarded and plugged into ``editor.io``'s extension table.

The plugin API is deliberately simpler than the internal one: a plugin writes
``read(path: str) -> editor.io.Image`` (or a bare (H, W) / (H, W, 3) array) and
``write(array, path: str, meta) -> None``. The adapters here translate to the
``editor.io.formats`` contract, turn anything the plugin raises into ImageReadError /
ImageWriteError naming the file and the plugin, and check what a reader returns.

Built-in formats keep priority: a plugin cannot silently change how Nebulayer opens FITS or
TIFF (the clash is shown as a warning by ``nebulayer plugins``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from editor.errors import ImageReadError, ImageWriteError, NebulayerError
from editor.io.image import Image, ImageMeta
from editor.locale import _
from editor.plugins.discovery import PLUGIN_FAILURES, describe_failure
from editor.plugins.manifest import ReaderSpec, WriterSpec


class PluginInfo(Protocol):
    """What io_hooks reads of editor.plugins.registry.PluginInfo (structural, so this module
    and the registry, which calls :func:`install`, do not import each other)."""

    id: str
    name: str
    version: str
    warnings: list[str]


class Registry(Protocol):
    """What io_hooks reads of editor.plugins.registry.Registry."""

    readers: dict[str, tuple[PluginInfo, ReaderSpec]]
    writers: dict[str, tuple[PluginInfo, WriterSpec]]


def guarded_reader(info: "PluginInfo", spec: ReaderSpec) -> Callable[..., Image]:
    """An ``editor.io.formats`` reader calling the plugin's ``read(path)`` safely."""

    def read(path: Path, options: Any = None) -> Image:
        try:
            result = spec.read(str(path))
        except NebulayerError:
            raise  # already a clear user-facing message
        except PLUGIN_FAILURES as exc:
            raise ImageReadError(path, _("plugin '{id}' {version} could not read it: "
                                       "{describe_failure}").format(id=info.id, version=info.version, describe_failure=describe_failure(exc))) from exc
        return _checked_image(result, path, info)

    read.__qualname__ = f"plugin_reader[{info.id}]"
    return read


def guarded_writer(info: "PluginInfo", spec: WriterSpec) -> Callable[..., None]:
    """An ``editor.io.formats`` writer calling the plugin's ``write(array, path, meta)`` safely.

    ``export_image`` already hands writers a temporary path and renames it into place, so a
    plugin that fails half-way never leaves a truncated file under the user's name.
    """

    def write(path: Path, data: np.ndarray, *, bits: int | None = None,
              meta: ImageMeta | None = None) -> None:
        try:
            spec.write(data, str(path), meta)
        except NebulayerError:
            raise
        except PLUGIN_FAILURES as exc:
            raise ImageWriteError(path, _("plugin '{id}' {version} could not write it: "
                                        "{describe_failure}").format(id=info.id, version=info.version, describe_failure=describe_failure(exc))) from exc
        # export_image may create the (empty) temporary file before calling the writer.
        if not Path(path).is_file() or Path(path).stat().st_size == 0:
            raise ImageWriteError(path, _("plugin '{id}' {version} reported success "
                                        "but wrote no file").format(id=info.id, version=info.version))

    write.__qualname__ = f"plugin_writer[{info.id}]"
    return write


def _checked_image(result: Any, path: Path, info: "PluginInfo") -> Image:
    def bad(problem: str) -> ImageReadError:
        return ImageReadError(path, _("plugin '{id}' {version} returned {problem}").format(id=info.id, version=info.version, problem=problem))

    if isinstance(result, np.ndarray):
        result = Image(result, ImageMeta(path=str(path), format=info.id))
    if not isinstance(result, Image) or not isinstance(result.data, np.ndarray):
        raise bad(_("a {name}, not an editor.io.Image").format(name=type(result).__name__))
    data = result.data
    if data.ndim == 3 and data.shape[2] == 1:
        data = data[:, :, 0]
    if not (data.ndim == 2 or (data.ndim == 3 and data.shape[2] == 3)) or 0 in data.shape:
        raise bad(_("pixels of shape {shape}; expected (H, W) or (H, W, 3)").format(shape=data.shape))
    if data.dtype.kind not in "biuf":
        raise bad(_("pixels of type {dtype}; expected numbers").format(dtype=data.dtype))
    result.data = np.ascontiguousarray(data, dtype=np.float32)
    if not result.meta.path:
        result.meta.path = str(path)
    if not result.meta.format:
        result.meta.format = info.id
    return result


_installed: defaultdict[tuple[int, str], set[str]] = defaultdict(set)


def install(registry: "Registry", formats: Any = None) -> None:
    """Register every plugin reader/writer of ``registry`` with ``formats`` (editor.io.formats).

    Extensions Nebulayer already handles are skipped with a warning on the plugin.
    """
    if formats is None:
        from editor.io import formats
    # Extensions in the table that a plugin did not put there are Nebulayer's own.
    builtin_read = set(formats.readable_extensions()) - _installed[id(formats), "r"]
    builtin_write = set(formats.writable_extensions()) - _installed[id(formats), "w"]
    for ext, (info, rspec) in list(registry.readers.items()):
        if ext in builtin_read:
            info.warnings.append(_("reader for {ext} not used: Nebulayer reads {ext} itself").format(ext=ext))
            continue
        formats.register_reader([ext], guarded_reader(info, rspec), rspec.name or info.name)
        _installed[id(formats), "r"].add(ext)
    for ext, (info, wspec) in list(registry.writers.items()):
        if ext in builtin_write:
            info.warnings.append(_("writer for {ext} not used: Nebulayer writes {ext} itself").format(ext=ext))
            continue
        formats.register_writer([ext], guarded_writer(info, wspec), wspec.name or info.name)
        _installed[id(formats), "w"].add(ext)
