# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of link_iperf: run iperf3 from end a of each link of this host, both directions, and read the
throughput (plugin_utils/link_iperf.py). The servers on end b are started and stopped by the role's tasks."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.homelab.connectx.plugins.plugin_utils import link_iperf, link_run

ARGUMENT_SPEC = {
    'ends': {'type': 'list', 'elements': 'dict', 'required': True},
    'port': {'type': 'int', 'default': 5201},
    'streams': {'type': 'int', 'default': 4},
    'seconds': {'type': 'int', 'default': 5},
}


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if self._task.check_mode:
            result.update(changed=False, skipped=True, msg='check mode measures nothing')
            return result
        runs = []
        for end, direction, argv in link_run.iperf_runs(args['ends'], args['port'], args['streams'], args['seconds']):
            out = self._execute_module(module_name='ansible.builtin.command', module_args={'argv': argv},
                                       task_vars=task_vars)
            runs.append({'item': [end, ['--reverse'] if direction == 'b->a' else []], 'rc': out.get('rc', 1),
                         'stdout': out.get('stdout'), 'stderr': out.get('stderr') or out.get('msg')})
        measured = link_iperf.iperf_measurements(runs)
        result.update(changed=False, measurements=measured,
                      summary=[{'label': '%s %s' % (m['link'], m['direction']),
                                'msg': '%s %s: %s' % (m['link'], m['direction'], ('%.2f Gb/s' % m['gbps']) if m['gbps'] is not None
                                                      else 'failed: %s' % m['error'])} for m in measured])
        result['ansible_facts'] = {link_run.MEASUREMENTS_FACT: measured}
        return result
