# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin node_reboot: the collection's one reboot of a host, in one task (documentation:
plugins/modules/node_reboot.py).

1. pve_reboot_guard phase=before (quorum, HA maintenance, guests; it refuses before any change);
2. ansible.builtin.reboot's own action, with the task's reboot options;
3. pve_reboot_guard phase=after on a Proxmox VE node (back in a quorate cluster, maintenance left, guests started);
   when 2 or 3 fails, the preparation is undone as far as the node lets it, and the failure says what is left;
4. mlx_device_info again (the cards after the reboot), when ``discover`` is given; its failure is not a failed reboot;
   the cards' facts (connectx_cards, connectx_tools_state, connectx_node) come back as the task's ansible_facts, with
   connectx_reboot_pending emptied and connectx_rebooted set;
5. the cards a burn left for the reboot (``expect``) checked: the flash holds the target and the card runs it; a card
   that still runs its old firmware after a warm reboot needs a power cycle (ConnectX-3 has no live firmware reset).
Nothing to reboot for (``reasons`` empty): nothing is done. ``enabled`` false (connectx_reboot: false): a warning that
the reboot is pending, the cards discovered again (the flash changed) and checked for the flash only; the pending
list stays. Check mode: step 1 in check mode only (its refusals are reported), nothing else.
The one reboot guard before a change that needs a reboot is plugins/plugin_utils/reboot.py; this is the one reboot.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.homelab.connectx.plugins.plugin_utils import actions, discovery

GUARD = 'homelab.connectx.pve_reboot_guard'
DISCOVER = 'homelab.connectx.mlx_device_info'
REBOOT = 'ansible.builtin.reboot'
UNDO_TIMEOUT = 60

ARGUMENT_SPEC = dict(
    reasons=dict(type='list', elements='str', default=[]),
    reboot_timeout=dict(type='int', default=900),
    reboot_command=dict(type='str'),
    boot_time_command=dict(type='str'),
    guests=dict(type='str', default='refuse', choices=['refuse', 'shutdown']),
    parallel=dict(type='int', default=1),
    discover=dict(type='dict'),
    enabled=dict(type='bool', default=True),
    expect=dict(type='list', elements='dict', default=[]),
)
COLD_BOOT = ('ConnectX-3 cards load new firmware only from a cold start: power the node off and on again (not a '
             'reboot), then run the play again to confirm.')


def left_to_do(host, guard, undo):
    """The sentence after a failed reboot: what the undo did, or what is left to do by hand."""
    stopped = guard.get('stopped_guests') or []
    if not (guard.get('maintenance_entered') or stopped):
        return ''
    if undo is not None and not undo.get('failed'):
        return ' The HA maintenance was left and the stopped guests were started again.'
    guests = ', '.join(str(g.get('vmid')) for g in stopped) or 'no guest'
    return (' Left to do by hand: leave the HA maintenance (ha-manager crm-command node-maintenance disable %s) '
            'and start %s.' % (host, guests))


def unconfirmed(host, cards, expect, running):
    """What the cards do not carry (or, with ``running``, do not run) of what a burn left for the reboot: a list of
    (reason, sentence); empty when every expected card is as expected. ``expect``: dicts with pci_address, psid,
    fw_version and optionally backup (where its backup is on the controller)."""
    found = []
    for want in expect:
        bdf = want.get('pci_address')
        backup = (' The backup is in %s/ (restore.yml puts it back).' % want['backup']) if want.get('backup') else ''
        same = [card for card in cards if card.get('pci_address') == bdf]
        if len(same) != 1:
            found.append(('card_missing', '%s %s: the card is gone after the reboot.%s' % (host, bdf, backup)))
            continue
        card = same[0]
        flash = (card.get('psid') or '?', card.get('fw_version') or '?')
        run = card.get('fw_version_running') or card.get('fw_version') or '?'
        if flash != (want.get('psid'), want.get('fw_version')):
            found.append(('firmware_mismatch', '%s %s: flash has PSID %s version %s, running %s; expected %s %s.%s'
                          % (host, bdf, flash[0], flash[1], run, want.get('psid'), want.get('fw_version'), backup)))
        elif running and card.get('fw_version_running') not in (None, '', want.get('fw_version')):
            found.append(('cold_boot_needed', '%s %s: the flash holds %s %s but the card still runs %s after the reboot. '
                          '%s' % (host, bdf, want.get('psid'), want.get('fw_version'), run, COLD_BOOT)))
    return found


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _module(self, name, args, task_vars, check=False):
        return actions.run_module(self, name, args, task_vars, self._result, check=check)

    def _guard_after(self, guard, clustered, timeout, task_vars):
        """pve_reboot_guard phase=after for what the before phase did (the return to the cluster, or the undo after a
        failure); a connection that fails is a failed result, not an exception."""
        try:
            return self._module(GUARD, {'phase': 'after', 'clustered': clustered,
                                        'maintenance': bool(guard.get('maintenance_entered')),
                                        'start_guests': guard.get('stopped_guests') or [],
                                        'wait_timeout': timeout}, task_vars)
        except AnsibleError as exc:
            return {'failed': True, 'msg': to_text(exc)}

    def _reboot(self, args, task_vars):
        """ansible.builtin.reboot's action, on this task's connection, with only its own options."""
        options = dict((k, v) for k, v in (
            ('msg', 'homelab.connectx - rebooting for %s' % (' and '.join(args['reasons']) or 'the ConnectX changes')),
            ('reboot_timeout', args['reboot_timeout']),
            ('reboot_command', args['reboot_command']),
            ('boot_time_command', args['boot_time_command'])) if v is not None)
        return actions.run_action(self, REBOOT, options, task_vars, self._result)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        self._result = result
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        host = task_vars.get('inventory_hostname')
        guard_args = {'guests': args['guests'], 'parallel': args['parallel']}
        result.update(changed=False, rebooted=False, guard={}, discovery=None, modules_run=[])
        if not args['reasons']:
            result['msg'] = '%s has nothing to reboot for.' % host
            return result
        try:
            if args['enabled']:
                self._run(args, guard_args, host, task_vars, result)
            else:
                self._pending(args, host, task_vars, result)
            if not result.get('failed') and result['discovery'] is not None:
                self._confirm(args, host, result)
            elif not result.get('failed') and args['expect'] and not self._play_context.check_mode:
                result.setdefault('warnings', []).append(
                    'the burned cards (%s) were not confirmed: no discover options were given, so the cards were not read '
                    'again after the reboot.' % ', '.join(str(w.get('pci_address')) for w in args['expect']))
        except AnsibleError as exc:
            result.update(failed=True, reason='reboot_failed',
                          msg='The reboot of %s stopped: %s.' % (host, to_text(exc)))
        return result

    def _discover(self, args, host, result, task_vars, after):
        """The cards again (``after``: what happened before, for the failure's sentence); their facts into the
        result's ansible_facts."""
        found = self._module(DISCOVER, args['discover'], task_vars)
        result['discovery'] = found
        if found.get('failed'):
            result.update(failed=True, reason=found.get('reason', 'discovery_failed'),
                          msg='%s %s, but the cards could not be discovered after it: %s' % (host, after, found.get('msg')))
            return
        result.setdefault('ansible_facts', {}).update(discovery.facts(found, args['discover']))

    def _pending(self, args, host, task_vars, result):
        """connectx_reboot: false - say what is pending, and read the flash again (a burn changed it)."""
        result.setdefault('warnings', []).append(
            '%s must reboot for %s (connectx_reboot is false). Until then the cards run their old firmware and '
            'settings; run the play again after the reboot to confirm.' % (host, ' and '.join(args['reasons'])))
        result['msg'] = '%s must reboot for %s; not rebooted (connectx_reboot is false).' % (
            host, ' and '.join(args['reasons']))
        if args['discover'] is not None and not self._play_context.check_mode:
            self._discover(args, host, result, task_vars, 'was not rebooted')

    def _confirm(self, args, host, result):
        """The burned cards carry (and, after a reboot, run) the target firmware."""
        cards = result['discovery'].get('devices') or []
        problems = unconfirmed(host, cards, args['expect'], result['rebooted'])
        if problems:
            result.update(failed=True, reason=problems[0][0], msg=' '.join(text for reason, text in problems))
            return
        if args['expect']:
            state = 'running' if result['rebooted'] else 'on flash (reboot pending)'
            lines = ['%s %s %s %s' % (want.get('pci_address'), want.get('psid'), want.get('fw_version'), state)
                     for want in args['expect']]
            result['confirmed'] = ['%s %s' % (host, line.replace(' ', ': ', 1)) for line in lines]
            result['msg'] = '%s %s' % (result['msg'], ' '.join(line + '.' for line in lines))

    def _run(self, args, guard_args, host, task_vars, result):
        check = bool(self._play_context.check_mode)
        guard = self._module(GUARD, dict(guard_args, phase='before'), task_vars, check=check)
        result['guard'] = guard
        if guard.get('failed'):
            result.update(failed=True, msg=guard.get('msg'), reason=guard.get('reason', 'failed'))
            return
        if check:
            result.update(changed=True, msg='%s would reboot for %s.' % (host, ' and '.join(args['reasons']) or '?'))
            return
        result['changed'] = bool(guard.get('changed'))
        failure = None
        reboot = self._reboot(args, task_vars)
        result['elapsed'] = reboot.get('elapsed')
        if reboot.get('failed'):
            failure = reboot.get('msg') or 'the reboot failed'
        else:
            result.update(changed=True, rebooted=True)
            if guard.get('proxmox'):
                after = self._guard_after(guard, guard.get('cluster') is not None, args['reboot_timeout'], task_vars)
                result['guard_after'] = after
                if after.get('failed'):
                    failure = after.get('msg') or 'the return to the cluster failed'
        if failure is not None:
            undo = None
            if guard.get('proxmox') and (guard.get('maintenance_entered') or guard.get('stopped_guests')):
                undo = self._guard_after(guard, False, UNDO_TIMEOUT, task_vars)
                result['undo'] = undo
            result.update(failed=True, reason='reboot_failed',
                          msg='The reboot of %s failed: %s.%s' % (host, failure.rstrip('.'), left_to_do(host, guard, undo)))
            return
        result['msg'] = '%s rebooted for %s.' % (host, ' and '.join(args['reasons']) or 'the ConnectX changes')
        facts = result.setdefault('ansible_facts', {})
        facts.update(connectx_reboot_pending=[], connectx_reboot_expect=[], connectx_rebooted=True)
        if args['discover'] is not None:
            self._discover(args, host, result, task_vars, 'rebooted')
