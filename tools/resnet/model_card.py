"""Model-card helper shared by tools/resnet/export.py and tools/spam/export.py."""

TS_SECTION = "## Measured by the TypeScript engine\n"


def previous_ts_section(card_path, readme):
    """The TypeScript engine's figures are measured by `splitee trace` after the export, not by the
    export: keep that section of an existing card across re-exports (a placeholder on the first)."""
    try:
        with open(card_path, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    if TS_SECTION in old:
        return old.split(TS_SECTION, 1)[1].strip()
    return f"_Not measured yet: run the `splitee trace` commands of {readme} and record the figures here._"
