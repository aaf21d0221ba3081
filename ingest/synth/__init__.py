"""The generator: a consistent synthetic world rendered into each publisher's real format.

``build_world(scale, seed)`` (world.py) decides every school, pupil count, budget line and
construction project once; each source module renders its own files from that one world
(``render(world, out_dir)``), so all sources agree with each other and the marts can reproduce
the seed figures from the data. ``edu-wh synth --scale N --out DIR`` writes a landing drop.
"""
