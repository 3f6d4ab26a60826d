"""requirements.lock is requirements.txt resolved, and the environment is the lock."""

from __future__ import annotations

import re
from importlib import metadata

from booktoc import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)
#: Installed by the Makefile itself or not pinned by design.
NOT_LOCKED = {"pip", "dldip-helpers"}


def norm(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    return {norm(name): version for name, version in PIN.findall(text)}


REQUIREMENTS = pins((ROOT / "requirements.txt").read_text(encoding="utf-8"))
LOCK_TEXT = (ROOT / "requirements.lock").read_text(encoding="utf-8")
LOCK = pins(LOCK_TEXT)


def direct_in_lock() -> set[str]:
    """Packages the lock says come from requirements.txt (uv's ``# via -r requirements.txt``)."""
    found = set()
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK_TEXT):
        m = PIN.match(block)
        if m and "-r requirements.txt" in block:
            found.add(norm(m.group(1)))
    return found


def test_every_direct_pin_is_locked_at_its_version():
    wrong = {
        name: (version, LOCK.get(name))
        for name, version in REQUIREMENTS.items()
        if LOCK.get(name) != version
    }
    assert not wrong, (
        f"requirements.txt and requirements.lock disagree (pin, lock): {wrong}; "
        f"run `make lock` after changing a pin"
    )


def test_the_lock_was_made_from_these_requirements():
    assert direct_in_lock() == set(REQUIREMENTS), (
        "the lock's direct requirements differ from requirements.txt: "
        f"only in the lock {sorted(direct_in_lock() - set(REQUIREMENTS))}, "
        f"only in requirements.txt {sorted(set(REQUIREMENTS) - direct_in_lock())}; run `make lock`"
    )


def test_every_locked_package_has_hashes():
    blocks = [b for b in re.split(r"\n(?=[A-Za-z0-9])", LOCK_TEXT) if PIN.match(b)]
    unhashed = [PIN.match(b).group(1) for b in blocks if "--hash=sha256:" not in b]
    assert len(blocks) == len(LOCK) and not unhashed, f"packages without hashes: {unhashed}"


def test_the_environment_is_the_lock():
    installed = {norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    extra = {n: v for n, v in installed.items() if n not in LOCK and n not in NOT_LOCKED}
    other = {n: (v, installed.get(n)) for n, v in LOCK.items() if installed.get(n) != v}
    assert not extra and not other, (
        f"the environment is not the lock: not locked {extra}; locked but other or "
        f"missing (lock, installed) {other}. Re-create it: rm -rf .venv && make test"
    )
