"""Open Referral HSDS 3.0: documents, API, import and export of the catalogue."""
