"""Frame composition with moviepy: rough cut, title cards, lower thirds, burned-in
captions, social clips. Decoding and the final encode go through `pipeline/ffmpeg.py`.

`model.py` is the contract between the paper edit (`pipeline/edit/`, which resolves
edit.yaml or a conformed edit list into a `Timeline`) and the renderers here."""
