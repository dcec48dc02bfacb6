"""Sign language (DGS interpreter): checks of film.yaml `sign_language:` and of the
delivered rendition, for preflight, the QC report and `casefilm status`.

The rendition itself is made by the export (`pipeline.delivery.signlang`); this package
reads what it needs through the file conventions in `pipeline.manifest.sign_language` and
ffprobe, and imports nothing from delivery, so the QC report and status can use it from any
layer above. See docs/sign-language.md.
"""
