"""Prefect deployment steps for crm-golden: where a worker runs the flow from.

Why our own pull step: a process worker starts each flow run in a fresh temporary folder,
and Prefect's ``set_working_directory`` with ``{{ $CRM_GOLDEN_HOME }}`` unset receives ""
and fails with ``FileNotFoundError`` in that temporary folder. The flow's parameters
(``rules``, ``output``) are relative to the checkout, so the step goes to
``CRM_GOLDEN_HOME`` when it is set, else to the checkout this package is installed from
(``pip install -e .``), else stops with one line saying what to set.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "CRM_GOLDEN_HOME"


class DeploymentSetupError(RuntimeError):
    """The worker cannot tell where the crm-golden checkout is."""


def checkout_root() -> Path | None:
    """The checkout this package runs from (it holds prefect.yaml and rules/), if any."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "prefect.yaml").is_file() and (root / "rules").is_dir() else None


def set_working_directory(directory: str = "") -> dict[str, str]:
    """Pull step: chdir to ``directory`` (the templated $CRM_GOLDEN_HOME) or the checkout."""
    target = (directory or "").strip()
    if target and "{{" not in target:
        path = Path(target).expanduser()
        if not path.is_dir():
            raise DeploymentSetupError(f"{HOME_ENV}={target} is not a folder on this worker; "
                                       "set it to the crm-golden checkout")
    else:
        found = checkout_root()
        if found is None:
            raise DeploymentSetupError(
                f"{HOME_ENV} is not set and crm-golden is not installed from a checkout "
                f"(no prefect.yaml next to {Path(__file__).resolve().parent}); set "
                f"{HOME_ENV} to the checkout on this worker")
        path = found
    os.chdir(path)
    return {"directory": str(path.resolve())}
