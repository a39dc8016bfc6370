"""Plumbing shared by the JSON APIs (search, finder, HSDS): the answer language, one
error format, throttling, the base view and the generated OpenAPI document.
"""
