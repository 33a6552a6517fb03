# -*- coding: utf-8 -*-
# Copyright: homelab.connectx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Counts per host what a run costs: task starts, module calls on the host, reboots, and the time of the reboots.

Not part of the collection: the benchmark (bench/run.py) and the lab tests enable it with
ANSIBLE_CALLBACK_PLUGINS=bench/callback_plugins ANSIBLE_CALLBACKS_ENABLED=connectx_counts and read
the JSON written to $CONNECTX_COUNTS_FILE at the end of the run.

- task starts: every task the strategy started for the host (skipped ones included), as
  v2_runner_on_start sees them; include_* and meta are not counted (they start nothing on the host).
- module calls on the host: each result (each loop item) of a task that ran a module on the host:
  not skipped, not delegated to the controller, and not one of the actions that only run on the
  controller (set_fact, debug, assert, fail, include_*, meta, ...). An action that runs several
  modules (copy: stat then copy) counts once.
- module executions on the host: the same, except that a result of the collection's action plugins that
  run several modules in one task (mlx_firmware, node_reboot) counts each module it ran (its
  ``modules_run``; ansible.builtin.reboot's own commands count as one). This is the figure to read for what
  the host runs; the module calls above are what the roles' tasks cost.
- reboots: changed results of ansible.builtin.reboot, and results of homelab.connectx.node_reboot that rebooted.

- reboot waits: each task of ansible.builtin.reboot or homelab.connectx.node_reboot that ran on the host (not
  skipped), from its start for the host (v2_runner_on_start) to its result, in seconds since the playbook started:
  ``{task, start, end, seconds, rebooted, elapsed}`` (``elapsed``: what the reboot action itself reports). The
  benchmark reports the union of these intervals over the hosts as the run's time waiting for reboots.
- task seconds: the sum over the host's task results of the same start-to-result time (what the host kept the
  run busy with; hosts run side by side, so the hosts' sums add up to more than the wall time).

Both counts are also kept per role (``by_role``: the role of the task, ``play`` for a task of the playbook).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: connectx_counts
type: aggregate
short_description: Task starts, module calls on the host and reboots per host, as JSON
description:
  - Writes C(CONNECTX_COUNTS_FILE) at the end of the run.
requirements:
  - enabled in ansible.cfg or with ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

CONTROLLER_ONLY = frozenset([
    'set_fact', 'debug', 'assert', 'fail', 'meta', 'include_tasks', 'import_tasks', 'include_role',
    'import_role', 'include_vars', 'add_host', 'group_by', 'set_stats', 'pause', 'noop', 'validate_argument_spec',
    # homelab.connectx.inventory_check: an action plugin that reads the inventory on the controller only.
    'inventory_check',
])
NOT_STARTS = frozenset(['include_tasks', 'import_tasks', 'include_role', 'import_role', 'meta'])
REBOOTS = frozenset(['reboot', 'node_reboot'])


def short(action):
    return (action or '').split('.')[-1]


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'connectx_counts'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.hosts = {}
        self.tasks = {}
        self.started = {}
        self.t0 = time.time()

    def _host(self, name):
        return self.hosts.setdefault(name, {'task_starts': 0, 'module_calls': 0, 'module_executions': 0, 'reboots': 0,
                                            'controller_calls': 0, 'module_calls_by_task': {}, 'by_role': {},
                                            'reboot_waits': [], 'task_seconds': 0.0})

    @staticmethod
    def _role(task):
        role = getattr(task, '_role', None)
        return role.get_name(include_role_fqcn=False) if role is not None else 'play'

    def _by_role(self, counts, task):
        return counts['by_role'].setdefault(self._role(task), {'task_starts': 0, 'module_calls': 0,
                                                               'module_executions': 0})

    def v2_playbook_on_start(self, playbook):
        self.t0 = time.time()

    def v2_runner_on_start(self, host, task):
        self.started[(host.get_name(), task._uuid)] = time.time()
        if short(task.action) not in NOT_STARTS:
            counts = self._host(host.get_name())
            counts['task_starts'] += 1
            self._by_role(counts, task)['task_starts'] += 1

    def _timed(self, result, skipped=False):
        """The task's start-to-result time on the host: into task_seconds, and a reboot wait for a reboot task."""
        task = result._task
        name = result._host.get_name()
        start = self.started.pop((name, task._uuid), None)
        if start is None or short(task.action) in NOT_STARTS:
            return
        end = time.time()
        counts = self._host(name)
        counts['task_seconds'] = round(counts['task_seconds'] + end - start, 3)
        if short(task.action) in REBOOTS and not skipped and not result._result.get('skipped'):
            counts['reboot_waits'].append({
                'task': task.get_name(), 'start': round(start - self.t0, 3), 'end': round(end - self.t0, 3),
                'seconds': round(end - start, 3), 'elapsed': result._result.get('elapsed'),
                'rebooted': bool(result._result.get('rebooted', result._result.get('changed')))})

    def _count(self, result):
        self._timed(result)
        task = result._task
        action = short(task.action)
        if action in CONTROLLER_ONLY:
            return
        counts = self._host(result._host.get_name())
        items = result._result.get('results')
        runs = [r for r in items if not r.get('skipped')] if isinstance(items, list) else [result._result]
        if not runs or (not isinstance(items, list) and result._result.get('skipped')):
            return
        delegated = task.delegate_to in ('localhost', '127.0.0.1')
        key = 'controller_calls' if delegated else 'module_calls'
        counts[key] += len(runs)
        if not delegated:
            name = task.get_name()
            counts['module_calls_by_task'][name] = counts['module_calls_by_task'].get(name, 0) + len(runs)
            role = self._by_role(counts, task)
            role['module_calls'] += len(runs)
            executions = sum(len(r['modules_run']) if isinstance(r.get('modules_run'), list) else 1 for r in runs)
            counts['module_executions'] += executions
            role['module_executions'] += executions
        if action == 'reboot':
            counts['reboots'] += sum(1 for r in runs if r.get('changed'))
        elif action == 'node_reboot':
            counts['reboots'] += sum(1 for r in runs if r.get('rebooted'))

    def v2_runner_on_ok(self, result):
        self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result)

    def v2_runner_on_skipped(self, result):
        self._timed(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._timed(result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('CONNECTX_COUNTS_FILE')
        if path:
            with open(path, 'w') as handle:
                json.dump(self.hosts, handle, indent=1, sort_keys=True)
