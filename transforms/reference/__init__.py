"""Reference data (plain Python tables) used by the normalization transforms.

Name tables: ``honorifics`` (titles, suffixes, particles, placeholders), ``translit``
(Cyrillic -> Latin), ``given_names`` (common given names and surnames by language) and
``nicknames`` (diminutives -> canonical names, cross-language equivalents). They are plain
literals so they can be reviewed in a diff and loaded without I/O.
"""
