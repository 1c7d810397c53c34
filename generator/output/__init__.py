"""The only writer: the staged output tree swapped into place, one build of a site at a time."""
