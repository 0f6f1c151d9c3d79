"""Ansible modules ship to the managed host alone, with the ``module_utils`` they import: a
copy in a module may only become an import of a canonical in ``module_utils``, and that is
where ``plan`` proposes to extract one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from declone.plan.shipping import (
    ShipsAlone,
    collection_import_roots,
    collection_roots,
    shipping_rule,
)
from migration_support import actions, commit_all, run_json

COLLECTION = "ansible_collections/acme/net"
MODULES = f"{COLLECTION}/plugins/modules"
UTILS = f"{COLLECTION}/plugins/module_utils"

MODULE = '''\
#!/usr/bin/python
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: NAME
"""

from ansible_collections.acme.net.plugins.module_utils.net import connect


class Difference:
    def __init__(self, want, have=None):
        self.want = want
        self.have = have

    def compare(self, param):
        return getattr(self.want, param) != getattr(self.have, param, None)


def main():
    return connect(Difference({}, {}).compare("name"))
'''

MODULE_AFTER = '''\
#!/usr/bin/python
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: vlan
"""

from ansible_collections.acme.net.plugins.module_utils.declone_support import \\
    Difference
from ansible_collections.acme.net.plugins.module_utils.net import connect


def main():
    return connect(Difference({}, {}).compare("name"))
'''


GALAXY = {f"{COLLECTION}/galaxy.yml": "namespace: acme\nname: net\nversion: 1.0.0\n"}


def _committed(repo: Any, files: dict[str, str]) -> Path:
    """A git repository holding the collection's metadata and ``files``."""
    root = repo({**GALAXY, **files})
    assert isinstance(root, Path)
    return commit_all(root)


@pytest.fixture
def collection(repo: Any) -> Path:
    return _committed(
        repo,
        {
            f"{UTILS}/net.py": "def connect(value):\n    return value\n",
            f"{MODULES}/vlan.py": MODULE.replace("NAME", "vlan"),
            f"{MODULES}/route.py": MODULE.replace("NAME", "route"),
        },
    )


def test_modules_ship_alone_with_module_utils() -> None:
    rule = shipping_rule({COLLECTION, ""})
    assert rule(f"{MODULES}/vlan.py") == ShipsAlone(UTILS)
    assert rule("plugins/modules/x.py") == ShipsAlone("plugins/module_utils")
    assert rule("lib/ansible/modules/ping.py") == ShipsAlone("lib/ansible/module_utils")
    assert rule("core/lib/ansible/modules/a/b.py") == ShipsAlone("core/lib/ansible/module_utils")
    for other in (
        f"{UTILS}/net.py",
        f"{COLLECTION}/plugins/action/vlan.py",
        f"{COLLECTION}/tests/unit/plugins/modules/test_vlan.py",
        "mylib/ansible/modules/x.py",
        "lib/ansible/modules.py",
    ):
        assert rule(other) is None, other
    # Without its collection's metadata a plugins/modules folder is an ordinary package.
    assert shipping_rule(set())("other/plugins/modules/x.py") is None
    alone = ShipsAlone(UTILS)
    assert alone.admits(f"{UTILS}/support.py", "")
    assert alone.admits(f"{UTILS}/deep/support.py", "")
    assert not alone.admits(f"{MODULES}/support.py", "")
    assert not alone.admits(f"{UTILS}.py", "")
    assert alone.admits(None, "ansible.module_utils.common.text")
    assert not alone.admits(None, "requests.models")


def test_collections_are_told_by_their_metadata(collection: Path) -> None:
    (collection / "built/ansible_collections/acme/dns").mkdir(parents=True)
    (collection / "built/ansible_collections/acme/dns/MANIFEST.json").write_text("{}")
    folders = {"", COLLECTION, MODULES, "built/ansible_collections/acme/dns"}
    assert collection_roots(collection, folders) == {
        COLLECTION,
        "built/ansible_collections/acme/dns",
    }


def test_the_proposal_extracts_into_module_utils_and_migrates(
    collection: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "Difference", "--root", str(collection), "--no-cache"]) == 0
    target = f"{UTILS}/declone_support.py"
    assert f"proposing --extract-to '{target}'" in capsys.readouterr().err
    code, document = run_json(
        capsys, "migrate", "Difference", "--root", str(collection), "--extract-to", target
    )
    assert code == 0, document
    assert (collection / MODULES / "vlan.py").read_text() == MODULE_AFTER
    assert (collection / MODULES / "route.py").read_text() == MODULE_AFTER.replace("vlan", "route")
    assert "class Difference:" in (collection / target).read_text()


def test_an_extraction_beside_the_modules_is_refused_for_them(
    collection: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"{MODULES}/common.py"
    code, document = run_json(
        capsys, "plan", "Difference", "--root", str(collection), "--extract-to", target
    )
    assert code == 0
    found = actions(document)
    assert set(found) == {f"{MODULES}/route.py", f"{MODULES}/vlan.py"}
    for action, reason in found.values():
        assert action == "skip"
        assert reason == (
            "an Ansible module: it ships to the managed host alone, with the module_utils it "
            f"imports, so its canonical must lie under {UTILS}/; the canonical is in {target}"
        )
    before = {path: (collection / path).read_bytes() for path in found}
    code, _ = run_json(
        capsys, "migrate", "Difference", "--root", str(collection), "--extract-to", target
    )
    assert code == 0
    assert {path: (collection / path).read_bytes() for path in found} == before
    assert not (collection / target).exists()


PARTS = """\
class Parameters:
    fields = ("name",)


class Changes(Parameters):
    def to_return(self):
        return dict.fromkeys(self.fields)
"""


def test_a_copy_kept_in_place_in_a_module_reaches_no_other_module(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # ``Changes`` needs its module's ``Parameters``: the proposal keeps the first copy where
    # it stands, and no other module may import it from there.
    root = _committed(repo, {f"{MODULES}/alpha.py": PARTS, f"{MODULES}/beta.py": PARTS})
    assert main(["plan", "Changes", "--root", str(root), "--no-cache"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "proposing --canonical ansible_collections.acme.net.plugins.modules.alpha:Changes, "
        "though it changes no file: every copy stays, for the reasons below"
    ) in err
    code, document = run_json(capsys, "plan", "Changes", "--root", str(root))
    assert code == 0
    action, reason = actions(document)[f"{MODULES}/beta.py"]
    assert action == "skip"
    assert reason.startswith("an Ansible module: it ships to the managed host alone")
    assert reason.endswith(f"the canonical is in {MODULES}/alpha.py")


def test_collections_import_from_the_folder_above_ansible_collections() -> None:
    assert collection_import_roots(
        {COLLECTION, "vendor/ansible_collections/ns/other", "", "plain/collection"}
    ) == ("", "vendor")


BINDING = """\
try:
    import libvirt
except ImportError:
    libvirt = None


class VMNotFound(Exception):
    pass


class LibvirtConnection:
    def __init__(self, uri):
        if libvirt is None:
            raise VMNotFound(uri)
        self.conn = libvirt.open(uri)
"""


def test_a_module_utils_named_like_an_installed_package_is_imported_by_its_full_name(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # ``import libvirt`` in module_utils/libvirt.py is the installed binding: the copy kept
    # in place there is imported as ``ansible_collections...libvirt``, never as ``libvirt``.
    root = _committed(
        repo,
        {
            f"{UTILS}/libvirt.py": BINDING,
            f"{MODULES}/virt.py": BINDING + "\n\ndef main():\n    return LibvirtConnection\n",
        },
    )
    assert main(["plan", "LibvirtConnection", "--root", str(root), "--no-cache"]) == 0
    canonical = "ansible_collections.acme.net.plugins.module_utils.libvirt:LibvirtConnection"
    assert f"proposing --canonical {canonical}; pass it" in capsys.readouterr().err
    code, document = run_json(
        capsys, "migrate", "LibvirtConnection", "--root", str(root), "--canonical", canonical
    )
    assert code == 0, document
    module = (root / MODULES / "virt.py").read_text()
    assert "from ansible_collections.acme.net.plugins.module_utils.libvirt import" in module
    assert "class LibvirtConnection" not in module
    assert "from libvirt import" not in module


def test_a_copy_no_module_code_uses_goes_with_no_import(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # An Ansible module is run, never imported from outside the repository: a copy its own
    # code does not use leaves no import behind (pyflakes would report it unused), as in
    # test code; the module that uses its copy imports the canonical.
    unused = MODULE.replace("NAME", "route").replace(
        'connect(Difference({}, {}).compare("name"))', 'connect("name")'
    )
    root = _committed(
        repo,
        {
            f"{UTILS}/net.py": "def connect(value):\n    return value\n",
            f"{MODULES}/vlan.py": MODULE.replace("NAME", "vlan"),
            f"{MODULES}/route.py": unused,
        },
    )
    target = f"{UTILS}/declone_support.py"
    code, document = run_json(
        capsys, "migrate", "Difference", "--root", str(root), "--extract-to", target
    )
    assert code == 0, document
    assert (root / MODULES / "vlan.py").read_text() == MODULE_AFTER
    route = (root / MODULES / "route.py").read_text()
    assert "Difference" not in route
    assert route == unused.replace(
        """class Difference:
    def __init__(self, want, have=None):
        self.want = want
        self.have = have

    def compare(self, param):
        return getattr(self.want, param) != getattr(self.have, param, None)


""",
        "",
    )
