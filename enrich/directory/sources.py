"""Directory sources and how several of them are layered into one validated `Directory`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from enrich.directory.model import Directory
from enrich.directory.validate import Origin, Origins, validate
from enrich.directory.yaml_source import YamlSource
from enrich.errors import DirectoryError


class DirectorySource(Protocol):
    """Anything that reads an org chart: a YAML file today; LDAP, an HR export later."""

    #: names the source in messages
    name: str
    #: where each unit, person and alias was read, filled by `load`; empty when unknown
    origins: Origins

    def load(self) -> Directory:
        """The org chart as read, not yet validated."""
        ...


#: `directory.sources[].type` -> how to open a source from its checked configuration
_OPENERS: dict[str, Callable[[dict], DirectorySource]] = {
    "yaml": lambda spec: YamlSource(spec["path"]),
}


def _open(spec: dict) -> DirectorySource:
    kind = spec.get("type")
    if kind not in _OPENERS:
        raise DirectoryError(f"unknown directory source type {kind!r}; "
                             f"expected one of {', '.join(_OPENERS)}")
    return _OPENERS[kind](spec)


def load_directory(sources: list[dict]) -> Directory:
    """Read the configured sources in order and validate the result.

    A later source replaces the units and people of earlier ones by id, and adds to their
    cost centers and aliases; so a small YAML file of overrides can sit on top of a big one.
    No sources gives an empty directory: every GitHub user is then unmatched.
    """
    directory = Directory()
    origins: dict[tuple[str, str], Origin] = {}
    names = []
    for spec in sources:
        source = _open(spec)
        _lay_over(directory, source.load())
        origins.update(source.origins)
        names.append(source.name)
    directory.source = " + ".join(names)
    return validate(directory, origins)


def _lay_over(directory: Directory, layer: Directory) -> None:
    directory.units.update(layer.units)
    directory.people.update(layer.people)
    directory.cost_centers.update(layer.cost_centers)
    directory.aliases.update(layer.aliases)
    directory.emu_short_code = layer.emu_short_code or directory.emu_short_code
