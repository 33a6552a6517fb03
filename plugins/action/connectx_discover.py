# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin connectx_discover: the one discovery of a host in one task (documentation:
plugins/modules/connectx_discover.py).

mlx_device_info with the options of plugin_utils/discovery.py (the tool, the packages the tools role installs, the
address the controller reaches the host at), its result kept as the host facts the roles read. Read-only: the same in
check mode.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.homelab.connectx.plugins.plugin_utils import actions, discovery

ARGUMENT_SPEC = dict(
    tool=dict(type='str', default='mstflint', choices=list(discovery.TOOLS)),
    mstflint_package=dict(type='str', default=discovery.MSTFLINT_PACKAGE),
    extra_packages=dict(type='list', elements='str', default=list(discovery.EXTRA_PACKAGES)),
)


def discover(action, args, task_vars, result):
    """Run mlx_device_info with the options of ``args`` (tool, mstflint_package, extra_packages); (module_args, found)."""
    module_args = discovery.module_args(args['tool'], args['mstflint_package'], args['extra_packages'],
                                        discovery.connection_address(action._templar, task_vars))
    found = actions.run_module(action, discovery.DEVICE_INFO, module_args, task_vars, result)
    return module_args, found


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        host = task_vars.get('inventory_hostname')
        result.update(changed=False, modules_run=[])
        try:
            module_args, found = discover(self, args, task_vars, result)
        except ValueError as exc:
            result.update(failed=True, reason='invalid_option',
                          msg='The discovery of %s was not run: %s. Nothing has been changed.' % (host, to_text(exc)))
            return result
        except AnsibleError as exc:
            result.update(failed=True, reason='discovery_failed',
                          msg='The discovery of %s failed: %s. Nothing has been changed.' % (host, to_text(exc)))
            return result
        if found.get('failed'):
            result.update(failed=True, reason=found.get('reason') or 'discovery_failed',
                          msg='The discovery of %s failed: %s Nothing has been changed.'
                              % (host, to_text(found.get('msg') or 'mlx_device_info failed.')),
                          discovery=found)
            return result
        facts = discovery.facts(found, module_args)
        cards = facts['connectx_cards']
        state = facts['connectx_tools_state']
        result.update(ansible_facts=facts, cards=len(cards),
                      msg='%s: %d ConnectX card(s)%s; tool %s %s' % (
                          host, len(cards), ' (%s)' % ', '.join(c.get('pci_address') or '?' for c in cards) if cards else '',
                          state.get('name') or args['tool'],
                          state.get('version') or '?' if state['installed'] else 'not installed'))
        return result
