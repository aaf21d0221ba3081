"""edu_wh."""
