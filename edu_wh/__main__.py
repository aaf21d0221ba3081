from edu_wh.cli import run

run()
