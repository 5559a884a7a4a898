"""Directory sources and how several of them are layered into one validated `Directory`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from enrich.directory.csv_source import CsvSource
from enrich.directory.layers import lay_over
from enrich.directory.ldap_source import LdapSource
from enrich.directory.model import Directory
from enrich.directory.overrides import apply_overrides
from enrich.directory.teams_source import GitHubTeamsSource
from enrich.directory.validate import Origin, Origins, validate
from enrich.directory.yaml_source import YamlSource
from enrich.errors import DirectoryError
from enrich.processes import cycle_collector_paused


class DirectorySource(Protocol):
    """Anything that reads an org chart: a YAML file today; LDAP, an HR export later."""

    #: names the source in messages
    name: str
    #: where each unit, person and alias was read, filled by `load`; empty when unknown
    origins: Origins

    def load(self) -> Directory:
        """The org chart as read, not yet validated."""
        ...


#: `directory.sources[].type` -> how to open a source from its checked configuration (and
#: the store, for sources that read what a fetch kept)
_OPENERS: dict[str, Callable[[dict, object], DirectorySource]] = {
    "yaml": lambda spec, store: YamlSource(spec["path"]),
    "csv": lambda spec, store: CsvSource(spec),
    "ldap": lambda spec, store: LdapSource(spec),
    "github_teams": lambda spec, store: GitHubTeamsSource(spec, store),
}


def _open(spec: dict, store) -> DirectorySource:
    kind = spec.get("type")
    if kind not in _OPENERS:
        raise DirectoryError(f"unknown directory source type {kind!r}; "
                             f"expected one of {', '.join(_OPENERS)}")
    return _OPENERS[kind](spec, store)


@dataclass
class Layer:
    name: str
    directory: Directory
    origins: Origins


def read_layers(sources: list[dict], *, store=None) -> list[Layer]:
    """Each configured source, read, in order."""
    layers = []
    for spec in sources:
        source = _open(spec, store)
        directory = source.load()
        layers.append(Layer(source.name, directory, source.origins))
    return layers


def combine(layers: list[Layer], overrides: Path | None = None) -> tuple[Directory, Origins]:
    """The layers laid over each other in order, then the overrides file: not validated."""
    directory = Directory()
    origins: dict[tuple[str, str], Origin] = {}
    for layer in layers:
        lay_over(directory, layer.directory)
        origins.update(layer.origins)
    directory.source = " + ".join(layer.name for layer in layers)
    if overrides is not None:
        apply_overrides(directory, overrides)
    return directory, origins


def load_directory(sources: list[dict], *, overrides: Path | None = None,
                   store=None) -> Directory:
    """Read the configured sources in order, apply the overrides and validate the result.

    A later source fills or overrides the people and units of earlier ones (see
    `enrich.directory.layers`). No sources gives an empty directory: every GitHub user is
    then unmatched.
    """
    # hundreds of thousands of people and no reference cycle: the collector would only slow it
    with cycle_collector_paused():
        return validate(*combine(read_layers(sources, store=store), overrides))
