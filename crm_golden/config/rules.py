"""The whole rules folder as one typed object."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .base import ConfigError
from .matching import MatchingRules, load_matching_rules
from .privacy import PrivacyRules, load_privacy_rules
from .sources import SourceConfig, load_sources
from .survivorship import SurvivorshipRules, load_survivorship_rules
from .validation import ValidationRules, load_validation_rules
from .vocabularies import Vocabularies, load_vocabularies


@dataclass(frozen=True)
class Rules:
    """Every rules file of a run, loaded and validated."""

    folder: Path
    sources: list[SourceConfig]
    validation: ValidationRules
    vocabularies: Vocabularies
    matching: MatchingRules
    survivorship: SurvivorshipRules
    privacy: PrivacyRules = PrivacyRules()

    @property
    def trust(self) -> dict[str, int]:
        return {s.name: s.trust for s in self.sources}

    def files_hash(self) -> str:
        """SHA-256 over every rules file (name and bytes), for the audit's run section."""
        digest = hashlib.sha256()
        for path in sorted(self.folder.rglob("*.y*ml")):
            digest.update(str(path.relative_to(self.folder)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


def _required(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise ConfigError(f"{path}: file not found (every rules folder needs {name})")
    return path


def load_rules(folder: Path) -> Rules:
    """Load ``sources/*.yaml``, ``validation.yaml``, ``vocabularies.yaml``, ``matching.yaml``
    and ``survivorship.yaml`` (and the optional ``privacy.yaml``) from ``folder``; any problem
    is a ``ConfigError`` naming file and key.
    """
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise ConfigError(f"{folder}: rules folder not found")
    return Rules(
        folder=folder,
        sources=load_sources(folder),
        validation=load_validation_rules(_required(folder, "validation.yaml")),
        vocabularies=load_vocabularies(_required(folder, "vocabularies.yaml")),
        matching=load_matching_rules(_required(folder, "matching.yaml")),
        survivorship=load_survivorship_rules(_required(folder, "survivorship.yaml")),
        privacy=load_privacy_rules(folder),
    )
