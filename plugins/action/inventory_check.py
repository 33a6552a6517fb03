# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of inventory_check: the host's connectx_* variables against the roles' argument specs.

Runs on the controller only (nothing is sent to the host); the checks are in plugins/plugin_utils/inputs.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.homelab.connectx.plugins.plugin_utils import inputs

DEFAULT_ROLES = ['tools', 'firmware', 'port_config', 'driver', 'interfaces', 'link_check']


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('roles',))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        roles = self._task.args.get('roles') or DEFAULT_ROLES
        known = inputs.entry_points()
        if not isinstance(roles, list) or [r for r in roles if r not in known]:
            result.update(failed=True, reason='roles_invalid',
                          msg='roles must be a list of the collection\'s roles or role:entry points (%s), got %r.'
                          % (', '.join(known), roles))
            return result
        host = task_vars.get('inventory_hostname', '?')
        specs = inputs.load_specs(roles)
        values, unread = {}, []
        for name in sorted(task_vars):
            if not str(name).startswith('connectx_'):
                continue
            try:
                values[name] = self._templar.template(task_vars[name])
            except AnsibleError:
                # E.g. "{{ connectx_backup_dir }}/cache" with connectx_backup_dir left at the role's default, which
                # is not a variable yet here: the role validates it when it runs.
                unread.append(name)
        errors, warnings = inputs.check(host, specs, values, inputs.known_variables(), burns='firmware' in roles)
        result.update(changed=False, warnings=warnings)
        if errors:
            # The sentences are the message (one per bad variable): nothing else is printed with them.
            result.update(failed=True, reason='inventory_invalid', msg=' '.join(errors) + ' Nothing has been changed.')
        else:
            result.update(checked=sorted(n for n in values if n in specs), unread=unread)
        return result
