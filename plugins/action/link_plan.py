# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of link_plan: the links of the run and the ends of this host, or a refusal. Controller only."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader

from ansible_collections.homelab.connectx.plugins.plugin_utils import link_run

ARGUMENT_SPEC = {
    'links': {'type': 'list', 'elements': 'raw', 'default': []},
    'far_hosts': {'type': 'list', 'elements': 'str'},
}


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        groups = task_vars.get('groups') or {}
        far = args['far_hosts']
        if far is None:
            far = groups.get('windows_hosts') or []
        limit = task_vars.get('ansible_limit')
        limited = None
        if limit:
            lookup = lookup_loader.get('ansible.builtin.inventory_hostnames', loader=self._loader, templar=self._templar)
            limited = lookup.run([limit], variables=task_vars)
        hosts = link_run.run_hosts(task_vars.get('ansible_play_hosts_all') or [], far, limited)
        # A host of the inventory outside both groups is not a link end.
        known = link_run._union(groups.get('connectx_hosts'), groups.get('windows_hosts'))
        problems, planned = link_run.plan(args['links'], task_vars.get('hostvars') or {}, hosts, known,
                                          task_vars.get('inventory_hostname'))
        result['changed'] = False
        if problems:
            # A host left out by --limit may be named; a host that is not in the inventory may not.
            result.update(failed=True, reason='links_invalid', problems=problems,
                          msg='%s. Nothing has been changed.' % '; '.join(problems))
            return result
        result.update(planned)
        result['ansible_facts'] = {link_run.PLAN_FACT: planned}
        return result
