# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of link_evaluate: read the ends of this host and compare each with its declaration.

A Linux host: one homelab.connectx.link_info call (carrier wait, ports, pings). A Windows host (``windows``, the host
fact connectx_windows the winof action left): ping.exe to each peer through ansible.windows.win_command, and the line of
each end printed. The comparison is
plugin_utils/link_eval.py (and parse_windows.py for what only Windows says); read-only, in check mode too.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.homelab.connectx.plugins.plugin_utils import actions, link_eval, link_run, parse_windows

ARGUMENT_SPEC = {
    'ends': {'type': 'list', 'elements': 'dict', 'required': True},
    'cards': {'type': 'list', 'elements': 'dict', 'default': []},
    'driver': {'type': 'str', 'default': 'mlx4_en'},
    'duplex': {'type': 'str', 'default': 'full', 'choices': ['full', 'half']},
    'ping_count': {'type': 'int', 'default': 3},
    'wait_timeout': {'type': 'int', 'default': 30},
    'windows': {'type': 'dict'},
}

display = Display()


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def _module(self, name, args, task_vars, result):
        """Run a read-only module on the host, in check mode too."""
        return actions.run_module(self, name, args, task_vars, result, read_only=True)

    def _linux(self, args, task_vars, result):
        ends, ping = args['ends'], args['ping_count'] > 0
        info = {}
        if ends:
            info = self._module('homelab.connectx.link_info', {
                'interfaces': link_run._union([e.get('iface') for e in ends]),
                'wait_timeout': args['wait_timeout'],
                'ping': link_eval.ping_peers(ends) if ping else [],
                'ping_count': max(args['ping_count'], 1),
            }, task_vars, result)
            if info.get('failed'):
                return None, info
        return link_eval.evaluate_ends(ends, info.get('interfaces') or {}, info.get('ping') or [], args['cards'],
                                       args['driver'], args['duplex'], ping, ports=info.get('other_ports') or {}), None

    def _windows(self, args, task_vars, result):
        # ping.exe exits 0 on "Destination host unreachable" answered by the own address: parse_windows.ping_results
        # reads the reply lines, not the exit code.
        pings = []
        if args['ping_count'] > 0:
            for end in args['ends']:
                if not (end.get('peer_in_run') and end.get('peer_address')):
                    continue
                out = self._module('ansible.windows.win_command', {
                    'argv': ['ping.exe', '-n', str(args['ping_count']), '-w', '2000', end['peer_address']]},
                    task_vars, result)
                pings.append({'item': end, 'rc': out.get('rc'), 'stdout': out.get('stdout')})
        return parse_windows.evaluate_ends(args['ends'], args['windows'], parse_windows.ping_results(pings),
                                           args['driver'], args['duplex'], args['ping_count'] > 0), None

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        windows = args['windows'] is not None
        ends, failure = (self._windows if windows else self._linux)(args, task_vars, result)
        if failure is not None:
            result.update(failure)
            result.update(failed=True, changed=False)
            return result
        result.update(changed=False, results=ends, ok=not any(e.get('errors') for e in ends),
                      summary=[{'label': '%s %s' % (e.get('link'), e.get('end')), 'msg': link_run.summary_line(e, windows)}
                               for e in ends])
        result['ansible_facts'] = {link_run.RESULTS_FACT: ends}
        if windows:
            # The line of each end, as the Linux role's debug task prints it (the Windows role has no such task).
            for line in result['summary']:
                display.display('%s: %s' % (task_vars.get('inventory_hostname') or '?', line['msg']))
        return result
