"""Coordinator reports (coverage, stale content and translations, activity) and the
dashboard panels."""
