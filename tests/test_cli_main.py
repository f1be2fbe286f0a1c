import subprocess
import sys

from azr_safe import __version__


def test_cli_version_prints_package_version():
    out = subprocess.run([sys.executable, "-m", "azr_safe.cli", "version"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == __version__
