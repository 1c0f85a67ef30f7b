"""What `make run` (run.py) and `flask demo create` print speak the command line's language:
CXGOV_LANG, else the shell's locale (cxgov.i18n.cli_language)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxgov.demo import DEMO_ADMIN, DEMO_PASSWORD, demo_banner

REPO = Path(__file__).resolve().parents[2]

BANNERS = {
    "en": ("cxgov is running at http://x", "Demo workspace logins (password for all:", "Platform admin"),
    "sv": ("cxgov körs på http://x", "Inloggningar till demoarbetsytan (samma lösenord för alla:", "Konsult"),
    "da": ("cxgov kører på http://x", "Logins til demoarbejdsområdet (samme adgangskode til alle:", "Ambassadør"),
    "nb": ("cxgov kjører på http://x", "Pålogginger til demoarbeidsområdet (samme passord for alle:", "CX-sponsor"),
}


@pytest.mark.parametrize("lang", sorted(BANNERS))
def test_the_demo_banner_is_in_the_cli_language(lang, monkeypatch):
    monkeypatch.setenv("CXGOV_LANG", lang)
    banner = demo_banner("http://x")
    first, logins, role = BANNERS[lang]
    lines = banner.splitlines()
    assert lines[0] == first
    assert lines[1].startswith(logins) and DEMO_PASSWORD in lines[1]
    assert any(line.split()[0] == role.split()[0] for line in lines[2:]), banner
    # the addresses line up in one column whatever the roles' lengths
    assert len({line.index("@") - len(line.split()[-1].split("@")[0]) for line in lines[2:]}) == 1, banner
    assert DEMO_ADMIN in banner


def test_run_py_help_is_in_the_cli_language():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LC_", "LANG"))}
    env.update(CXGOV_LANG="nb")
    done = subprocess.run([sys.executable, "run.py", "--help"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Kjør cxgov lokalt." in done.stdout
    assert "ikke opprett demoarbeidsområdet" in done.stdout
    assert "Porten serveren lytter på." in done.stdout
    # click's own words too (argparse's "usage:", "options:" and its --help line stayed English)
    assert done.stdout.startswith("Bruk: run.py"), done.stdout
    assert "usage" not in done.stdout.lower() and "options" not in done.stdout.lower()
    assert "HELTALL" in done.stdout
