# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the collection's action plugins that run several modules or actions in one task share."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def run_module(action, name, args, task_vars, result, check=False, read_only=False):
    """Run the module ``name`` on the host from the action plugin ``action``; ``check`` forces check mode on for
    this call, ``read_only`` (a module that changes nothing) runs it for real in check mode too. The module's short
    name goes to ``result['modules_run']`` (what the task ran on the host, in order), its warnings and deprecations to
    the task's own."""
    saved = action._task.check_mode
    if check:
        action._task.check_mode = True
    elif read_only:
        action._task.check_mode = False
    try:
        out = action._execute_module(module_name=name, module_args=args, task_vars=task_vars)
    finally:
        action._task.check_mode = saved
    result.setdefault('modules_run', []).append(name.rsplit('.', 1)[-1])
    for key in ('warnings', 'deprecations'):
        if out.get(key):
            result.setdefault(key, []).extend(out[key])
    return out


def run_action(action, name, args, task_vars, result):
    """Run the action plugin ``name`` (ansible.builtin.reboot, ansible.builtin.copy, ansible.windows.win_copy, ...)
    from the action plugin ``action``, on its task's connection, with only ``args`` as that task's arguments (check
    mode and diff are the task's). Its short name goes to ``result['modules_run']``."""
    task = action._task.copy()
    task.args = args
    other = action._shared_loader_obj.action_loader.get(
        name, task=task, connection=action._connection, play_context=action._play_context, loader=action._loader,
        templar=action._templar, shared_loader_obj=action._shared_loader_obj)
    result.setdefault('modules_run', []).append(name.rsplit('.', 1)[-1])
    return other.run(task_vars=task_vars)
