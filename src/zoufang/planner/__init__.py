"""Optimisation over plain data: visit areas, routes and cadre schedules, with checkers.

Nothing here reads a database or a file format of the campaign: inputs are numpy arrays
and dataclasses, coordinates metres in a projected CRS (areas) or integer time units
(routing), and every plan can be verified by a checker that shares no code with the
code that made it.

Packages
--------
:mod:`zoufang.planner.areas`
    Visit areas (走访区域): one contiguous, balanced area per cadre, must-go visits.
:mod:`zoufang.planner.routing`
    Vehicle routing with (several) time windows per node, OR-Tools, Solomon instances.
:mod:`zoufang.planner.schedule`
    A cadre's multi-day schedule (走访日程), built on :mod:`zoufang.planner.routing`.
"""
