# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's one reboot guard, as the action plugins ask it (PRIVATE to the collection).

Before the first change that will need a reboot (installing the tools on a node that has none, a burn, a port
setting) an action asks :func:`refusal`: may this node reboot afterwards? On a Proxmox VE node
pve_reboot_guard answers, read-only (check mode): a cluster that would lose quorum, or running guests with
``guests: refuse``, is a refusal, returned as the failed result the action returns as it is, before any change.
The reboot itself, and what it is for, are node_reboot's (plugins/action/node_reboot.py).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.plugin_utils import actions

GUARD = 'homelab.connectx.pve_reboot_guard'
# pve_reboot_guard's refusals: the node may not reboot now. Its other failures (a bad setting, a tool that fails)
# are errors of their own, returned as they are.
REFUSALS = ('guests_running', 'not_quorate', 'quorum_loss')

# What the node must reboot for, as the pending list (connectx_reboot_pending) names it.
FOR_FIRMWARE = 'the new ConnectX firmware'
FOR_PORTS = 'the ConnectX port settings'


def refusal(action, task_vars, result, guard_options, before):
    """None when the node may reboot (or ``guard_options`` is None); else the failed result to return, its message
    ending with what it comes before (``before``: 'the burn', 'installing the firmware tools', ...)."""
    if guard_options is None:
        return None
    guard = actions.run_module(action, GUARD, dict(guard_options, phase='before'), task_vars, result, check=True)
    if not guard.get('failed'):
        return None
    failed = dict((k, v) for k, v in guard.items() if k not in ('changed', 'invocation'))
    failed.setdefault('reason', 'failed')
    if failed['reason'] in REFUSALS:
        failed['msg'] = '%s (before %s)' % (guard.get('msg'), before)
    return failed


def pending(current, reason):
    """The pending list (connectx_reboot_pending) with ``reason`` added once, in order."""
    current = list(current or [])
    if reason not in current:
        current.append(reason)
    return current
