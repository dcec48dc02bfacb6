"""Transcript review for editors.

    realign.py   edited text -> word timings (unchanged words keep their times exactly)
    service.py   save / restore / set status / history / compare: every change a new revision
    server.py    the local review web app (Starlette + uvicorn, 127.0.0.1 only)
    offline.py   TXT / DOCX / SRT export and import (same realignment as the page)
    status.py    the review line of `casefilm status`

Its commands (`casefilm review`, `casefilm transcript export|import`) are in
`pipeline/cli/review.py`.

The page itself: pipeline/templates/review.html, pipeline/static/review.{js,css}, strings
in pipeline/locale/de/review.yaml.
"""
