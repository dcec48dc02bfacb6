"""Packages for the trainers' learning platforms (`casefilm lms FILM [--format …]`).

    exports/<film>/lms/<film>-scorm12.zip   SCORM 1.2: one SCO, the export's player page with
                                            the quiz (film.yaml `quiz:`), reporting to the LMS
    exports/<film>/lms/<film>.h5p           H5P Interactive Video 1.27 content (no libraries)

A feature beside delivery: it reads the export only through its typed output
(`exports/<film>/manifest.json` as `delivery.model.ExportManifest`, and the files it lists),
never delivery's code. Modules:

    source.py   the export as this package sees it (manifest, files, chapters.vtt)
    model.py    typed data: the resolved quiz, the build record
    scorm.py    imsmanifest.xml, the SCO page (index.html + assets/sco.js), the zip
    h5p.py      h5p.json + content/content.json, the .h5p zip
    build.py    staleness (rebuild only when an input changed), atomic write, listing in
                manifest.json
"""
