# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the collection's action plugins that run several modules in one task (mlx_firmware, node_reboot) share."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def run_module(action, name, args, task_vars, result, check=False):
    """Run the module ``name`` on the host from the action plugin ``action``; ``check`` forces check mode on for
    this call. The module's short name goes to ``result['modules_run']`` (what the task ran on the host, in order),
    its warnings and deprecations to the task's own."""
    saved = action._task.check_mode
    if check:
        action._task.check_mode = True
    try:
        out = action._execute_module(module_name=name, module_args=args, task_vars=task_vars)
    finally:
        action._task.check_mode = saved
    result.setdefault('modules_run', []).append(name.rsplit('.', 1)[-1])
    for key in ('warnings', 'deprecations'):
        if out.get(key):
            result.setdefault(key, []).extend(out[key])
    return out
