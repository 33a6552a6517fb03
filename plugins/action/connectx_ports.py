# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin connectx_ports: the port settings of one host in one task (documentation:
plugins/modules/connectx_ports.py).

1. When the host would reboot for a setting and no reboot is pending yet (``reboot_check`` given, ``reboot_pending``
   empty): mlx_config in check mode on every selected card (nothing is set), then, when one would change, the
   reboot guard (plugins/plugin_utils/reboot.py: Proxmox VE quorum, guests) before the first setting;
2. mlx_config on the cards that differ (all selected cards when step 1 did not run); in check mode step 1's answers
   are the result;
3. a card whose configuration cannot be read (reason config_unreadable, a known ConnectX-3 failure) with
   ``fallback``: its LINK_TYPE settings become the mlx4_core port_type_array (the host fact connectx_port_type_fallback,
   which the driver role reads) and a warning, instead of a failure;
4. a setting that changed and needs a reboot adds 'the ConnectX port settings' to the host fact
   connectx_reboot_pending (node_reboot reboots for it).
A failure names what the host must still reboot for (an earlier burn or setting of this run).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

import re

from ansible_collections.homelab.connectx.plugins.module_utils import parse_mlxconfig
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.plugin_utils import actions, firmware_job, reboot

CONFIG = 'homelab.connectx.mlx_config'
UNREADABLE = 'config_unreadable'

ARGUMENT_SPEC = dict(
    devices=dict(type='list', elements='dict', required=True),
    select=dict(type='list', elements='str', default=[]),
    settings=dict(type='dict', required=True),
    tool=dict(type='str', default='auto', choices=['auto', 'mstflint', 'mft']),
    fallback=dict(type='bool', default=True),
    reboot_check=dict(type='dict'),
    reboot_pending=dict(type='list', elements='str', default=[]),
    preflight=dict(type='bool', default=False),
    tools_installed=dict(type='bool', default=True),
)
NAME_RE = re.compile(r'[A-Z][A-Z0-9_]*\Z')


class Refused(Exception):
    def __init__(self, result):
        super(Refused, self).__init__(result.get('msg'))
        self.result = result


def settings_problems(settings):
    """What is wrong with the settings, in sentences (empty: nothing): mlx_config's own checks
    (parse_mlxconfig.requested_settings: booleans only for boolean settings, ETH(1) refused, one name once, values in
    range), so that the preflight refuses before any change what the module would."""
    problems = []
    for name, value in settings.items():
        if not NAME_RE.match(str(name)):
            problems.append('%r is not a setting name as the tools print it (upper case letters, digits and _, e.g. '
                            'LINK_TYPE_P1)' % (name,))
            continue
        try:
            parse_mlxconfig.requested_settings({name: value})
        except ParseError as exc:
            problems.append(to_text(exc))
    return problems


def settings_text(settings):
    return ', '.join('%s=%s' % (k, settings[k]) for k in sorted(settings))


def still_pending(host, pending):
    """The sentence a failure ends with when the host must still reboot for something this run did."""
    if not pending:
        return ''
    return (' %s must still reboot for %s: fix the cause and run the play again (it reboots and confirms), or reboot '
            'the host by hand.' % (host, ' and '.join(pending)))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _config(self, card, args, task_vars, check=False):
        out = actions.run_module(self, CONFIG, {'device': card['pci_address'], 'settings': args['settings'],
                                                'tool': args['tool']}, task_vars, self._inner, check=check)
        out = dict(out, pci_address=card['pci_address'])
        if out.get('failed') and not (args['fallback'] and out.get('reason') == UNREADABLE):
            raise Refused(out)
        return out

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        self._inner = result
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        host = task_vars.get('inventory_hostname')
        result.update(changed=False, reboot_required=False, cards=[], modules_run=[])
        try:
            self._run(args, host, task_vars, result)
        except Refused as exc:
            failed = dict((k, v) for k, v in exc.result.items() if k not in ('changed', 'invocation'))
            pending = list(args['reboot_pending'])
            if result['reboot_required']:
                pending = reboot.pending(pending, reboot.FOR_PORTS)
            result.update(failed=True, reason=failed.get('reason', 'failed'), failed_result=failed,
                          msg='%s%s' % (failed.get('msg') or 'the port settings failed', still_pending(host, pending)))
        except (AnsibleError, ValueError) as exc:
            pending = list(args['reboot_pending'])
            if result['reboot_required']:
                pending = reboot.pending(pending, reboot.FOR_PORTS)
            result.update(failed=True, reason='ports_error',
                          msg='The port settings of %s stopped: %s.%s' % (host, to_text(exc), still_pending(host, pending)))
        return result

    def _run(self, args, host, task_vars, result):
        problems = settings_problems(args['settings'])
        if problems:
            raise Refused({'reason': 'invalid_argument', 'msg': 'connectx_port_settings of %s: %s. Nothing has been '
                                                                'changed.' % (host, '; '.join(problems))})
        if args['preflight']:
            result['msg'] = '%s: the port settings are well formed.' % host
            return
        if not args['tools_installed']:
            result['msg'] = ('%s: the port settings (%s) are compared with each card\'s configuration once the tools '
                             'are installed' % (host, settings_text(args['settings'])))
            return
        check = bool(self._play_context.check_mode)
        try:
            cards = firmware_job.select(args['devices'], args['select'])
        except firmware_job.JobError as exc:
            raise Refused({'msg': to_text(exc), 'reason': exc.reason})
        answers, todo = [], cards
        preview = args['reboot_check'] is not None and not args['reboot_pending']
        if preview:
            answers = [self._config(card, args, task_vars, check=True) for card in cards]
            todo = [card for card, answer in zip(cards, answers) if answer.get('changed')]
            if todo:
                refused = reboot.refusal(self, task_vars, result, args['reboot_check'],
                                         'setting %s' % settings_text(args['settings']))
                if refused is not None:
                    raise Refused(refused)
        if not (check and preview):
            applied = []
            for card in todo:
                answer = self._config(card, args, task_vars)
                applied.append(answer)
                if answer.get('changed') and answer.get('reboot_required'):
                    result['reboot_required'] = True
            # A card set after the preview is reported as set, not as previewed.
            done = set(a['pci_address'] for a in applied)
            answers = [a for a in answers if a['pci_address'] not in done] + applied
        self._summarise(args, host, answers, result)

    def _summarise(self, args, host, answers, result):
        facts = {}
        for answer in answers:
            entry = dict((k, answer.get(k)) for k in ('pci_address', 'changed', 'reboot_required', 'reason')
                         if answer.get(k) is not None)
            result['cards'].append(entry)
            if answer.get('diff'):
                result.setdefault('diff', []).append(dict(answer['diff'], before_header='%s next boot' % answer['pci_address'],
                                                          after_header='%s next boot, set' % answer['pci_address']))
            if answer.get('changed'):
                result['changed'] = True
                if answer.get('reboot_required'):
                    result['reboot_required'] = True
        unreadable = [a for a in answers if a.get('reason') == UNREADABLE]
        port_types = [a.get('port_type_array') for a in unreadable if a.get('port_type_array')]
        if port_types:
            facts['connectx_port_type_fallback'] = port_types[0]
            others = [k for k in args['settings'] if not k.startswith('LINK_TYPE_P')]
            result.setdefault('warnings', []).append(
                'the configuration of %s on %s cannot be read (a known ConnectX-3 failure); the port types go to the '
                'mlx4_core option port_type_array=%s (driver role). Other settings (%s) were not applied.'
                % (', '.join(sorted(set(a['pci_address'] for a in unreadable))), host, port_types[0],
                   ', '.join(others) or 'none'))
        if result['reboot_required']:
            facts['connectx_reboot_pending'] = reboot.pending(args['reboot_pending'], reboot.FOR_PORTS)
        if facts:
            result['ansible_facts'] = facts
        changed = [c['pci_address'] for c in result['cards'] if c.get('changed')]
        result['msg'] = ('%s: %s %s on %s%s.' % (host, settings_text(args['settings']),
                                                 'would be set' if self._play_context.check_mode else 'set',
                                                 ', '.join(changed),
                                                 ' (effective after the reboot)' if result['reboot_required'] else '')
                         if changed else '%s: the port settings are as asked on every card.' % host)
