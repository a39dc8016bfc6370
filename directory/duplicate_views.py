"""The likely-duplicates report: pairs, side by side, "not a duplicate"."""
