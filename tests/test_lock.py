"""constraints.txt pins every package that requirements.txt pulls in, at the version installed (`make lock`)."""

from __future__ import annotations

import re
from importlib import metadata

from book_helpers import REPO
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REGENERATE = "regenerate the lock with `make lock` and commit constraints.txt"


def _lines(name: str) -> list[str]:
    text = (REPO / name).read_text(encoding="utf-8")
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def _pins() -> dict[str, str]:
    pins = {}
    for line in _lines("constraints.txt"):
        name, _, version = line.partition("==")
        assert version, f"constraints.txt: {line!r} is not an exact pin"
        pins[canonicalize_name(name)] = version
    return pins


def test_requirements_read_the_lock():
    assert "-c constraints.txt" in _lines("requirements.txt")


def test_every_direct_pin_agrees_with_the_lock():
    pins = _pins()
    for line in _lines("requirements.txt"):
        if line.startswith("-"):
            continue
        req = Requirement(line)
        assert canonicalize_name(req.name) in pins, f"{req.name} is not in constraints.txt: {REGENERATE}"
        assert pins[canonicalize_name(req.name)] in req.specifier, f"{line} disagrees with the lock: {REGENERATE}"


def test_every_transitive_dependency_is_pinned_and_installed_at_its_pin():
    pins = _pins()
    env = default_environment()
    todo = [Requirement(line).name for line in _lines("requirements.txt") if not line.startswith("-")]
    todo += [Requirement(r).name for r in metadata.requires("superposition") or [] if ";" not in r]
    seen = set()
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        assert name in pins, f"{name} is installed by requirements.txt but not pinned: {REGENERATE}"
        installed = metadata.version(name)
        assert installed == pins[name], f"{name} {installed} is installed, the lock says {pins[name]}: {REGENERATE}"
        for raw in metadata.requires(name) or []:
            req = Requirement(raw)
            if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
                todo.append(re.sub(r"\[.*\]", "", req.name))
