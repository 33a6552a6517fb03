# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of link_report: the model of the link report from what every host of the run left. Controller only."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.homelab.connectx.plugins.plugin_utils import link_run

ARGUMENT_SPEC = {
    'links': {'type': 'list', 'elements': 'dict', 'required': True},
    'hosts': {'type': 'list', 'elements': 'str'},
}


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        play_hosts = task_vars.get('ansible_play_hosts_all') or []
        groups = task_vars.get('groups') or {}
        # The Windows ends are checked in their own play: this play's hosts plus both groups (hostvars keeps the
        # facts of earlier plays).
        hosts = args['hosts']
        if hosts is None:
            hosts = link_run._union(play_hosts, groups.get('connectx_hosts'), groups.get('windows_hosts'))
        model = link_run.report_model(args['links'], task_vars.get('hostvars') or {}, hosts, play_hosts)
        counts = model.get('counts') or {}
        result.update(changed=False, model=model,
                      msg='%s OK, %s degraded, %s down.' % (counts.get('ok'), counts.get('degraded'), counts.get('down')))
        return result
