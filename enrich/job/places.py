"""Where a command reads and writes: the store, the output folder, the outbox.

Each is named in messages by the setting (or option) it comes from, with the file and line
of the configuration that set it, so that a user knows what to change.
"""

from __future__ import annotations

import logging
from pathlib import Path

from enrich.config import CONFIG_ENV, DEFAULT_CONFIG, Config
from enrich.errors import StoreError, located
from enrich.outputs.files import Folder, prepare_folders
from enrich.store import Store

log = logging.getLogger("enrich")

NO_STORE_HINT = "run `enrich import` or `enrich fetch` first, or set store.path to the store"
NO_CONFIG_HINT = ("copy the example configuration and edit it (`cp config/example.yaml "
                  f"{DEFAULT_CONFIG}`), or try `enrich demo`")


def setting_folder(config: Config, key: str) -> Folder:
    return Folder(key, config.get(key), config.where(key))


def output_folder(config: Config, output: Path | None = None) -> Folder:
    """The folder of a command's files: its `--output` option, else the `output` setting."""
    if output is not None:
        return Folder("--output", Path(output))
    return setting_folder(config, "output")


def outbox_folder(config: Config, output: Path | None = None) -> Folder:
    """The folder of the digests: `digest.outbox`, else `outbox` in the output folder."""
    if config.get("digest.outbox") is not None:
        return setting_folder(config, "digest.outbox")
    folder = output_folder(config, output)
    return Folder(folder.setting, folder.path / "outbox", folder.where)


def store_folders(config: Config) -> tuple[Folder, Folder]:
    """The folders an import or a fetch writes to: the store's and its archive."""
    return (Folder.of_file("store.path", config.get("store.path"), config.where("store.path")),
            setting_folder(config, "store.archive"))


def open_store(config: Config, *, create: bool = False) -> Store:
    """The history store. Only the commands that bring data in (`create`) make a new one:
    for the others a missing store means a wrong `store.path`, or nothing imported yet."""
    path = config.get("store.path")
    if create:
        prepare_folders(*store_folders(config))
    elif not path.exists():
        raise no_store(config)
    log.debug("store: %s", path)
    return Store(path, config.get("store.archive"))


def no_store(config: Config) -> StoreError:
    """Without a configuration file, the store the defaults name is rarely the one meant:
    the message says which files were looked for."""
    path = config.get("store.path")
    if config.path is None:
        return StoreError(
            f"no store at {path}, and no configuration file: --config was not given, "
            f"${CONFIG_ENV} is not set, and there is no {config.base / DEFAULT_CONFIG}",
            hint=NO_CONFIG_HINT)
    return StoreError(located(f"no store at {path}", key="store.path",
                              **config.where("store.path")), hint=NO_STORE_HINT)
