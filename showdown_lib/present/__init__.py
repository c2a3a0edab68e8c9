"""Presentation: the presenters a notebook calls (:mod:`.presenters`), the charts, the computed sentences
(``narrative*``) and the static site (:mod:`.site`). It reads the method's products through the step it opens.
"""
