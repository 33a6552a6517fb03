#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: pve_reboot_guard
short_description: Make a Proxmox VE node ready for a reboot (quorum, HA maintenance, guests), and undo it after
description:
  - O(phase=before) checks that the node may reboot, then prepares it. The cluster must be quorate now and stay
    quorate without this node (and without O(parallel) - 1 more nodes, those with the most votes), read from
    C(pvecm status). Running guests that are not HA resources (C(qm list), C(pct list)) are refused with their
    names (O(guests=refuse)) or shut down (O(guests=shutdown)). When the node has HA services, it is put into HA
    maintenance (C(ha-manager crm-command node-maintenance enable)) and the module waits until they have moved away.
  - On a cluster node, the node name (O(node)) must be this host's in C(pvecm nodes), else the module refuses.
  - Every refusal comes before any change. When a step fails half-way, what was done is undone (guests started
    again, maintenance left) before the module fails.
  - O(phase=after) waits until the node is back in a quorate cluster, leaves the maintenance the C(before) phase
    entered (O(maintenance)) and starts the guests it shut down (O(start_guests)) that do not run again by themselves.
  - A host without C(pvecm) is not a Proxmox VE node; nothing is checked and nothing changes. A standalone node
    (in no cluster) only has its guests checked.
version_added: 0.2.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.no_diff
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  phase:
    description: V(before) the reboot (check and prepare) or V(after) it (wait for quorum and undo).
    type: str
    choices: [before, after]
    required: true
  guests:
    description:
      - What to do with running guests that are not HA resources (HA resources move away in maintenance).
      - V(refuse) fails with their names; V(shutdown) shuts them down (C(qm shutdown), C(pct shutdown)) and returns them
        in RV(stopped_guests) for the V(after) phase.
    type: str
    choices: [refuse, shutdown]
    default: refuse
  parallel:
    description: How many nodes may be down at once, this one included; the quorum check counts that many nodes out.
    type: int
    default: 1
  node:
    description:
      - The node's name in the cluster; default the host name without its domain, as Proxmox VE uses it.
      - With O(phase=before) on a cluster node it must be exactly the name C(pvecm nodes) shows for this host (its row,
        marked (local)), case included; another name (C(pve1.lan), C(PVE1), a host name that is not the node name)
        is refused (C(reason=node_mismatch)) before anything changes, as the HA maintenance and the HA services
        are looked up by that name.
    type: str
  maintenance:
    description: For O(phase=after) - leave the HA maintenance (RV(maintenance_entered) of the V(before) phase).
    type: bool
    default: false
  clustered:
    description:
      - For O(phase=after) - the node is a cluster member (RV(cluster) of the V(before) phase is not V(null)); the module
        waits until it is back in a quorate cluster, also while C(pvecm) cannot answer yet after the boot.
    type: bool
    default: false
  start_guests:
    description: For O(phase=after) - the guests to start again (RV(stopped_guests) of the V(before) phase).
    type: list
    elements: dict
    default: []
    suboptions:
      vmid:
        description: The guest's id.
        type: int
        required: true
      type:
        description: V(qemu) (a VM, C(qm)) or V(lxc) (a container, C(pct)).
        type: str
        required: true
        choices: [qemu, lxc]
      name:
        description: The guest's name, for messages.
        type: str
  shutdown_timeout:
    description: Seconds each guest gets to shut down.
    type: int
    default: 180
  wait_timeout:
    description: Seconds to wait, at most, for HA services to move away (V(before)) or for quorum (V(after)).
    type: int
    default: 600
notes:
  - The O(phase=before) check in check mode is what a role runs before its first change, so that a reboot the node
    may not take is refused before anything is burned or configured.
  - The HA services count as moved away once none of this node's is in a state other than stopped, ignored,
    disabled, error or freeze (a migration in progress is waited for).
requirements:
  - Proxmox VE 8 (pvecm, ha-manager, qm, pct) on a cluster node; nothing on other hosts.
'''

EXAMPLES = r'''
- name: Check and prepare the node for its reboot
  homelab.connectx.pve_reboot_guard:
    phase: before
    guests: shutdown
  register: guard

- name: Reboot
  ansible.builtin.reboot:

- name: Back in the cluster, leave maintenance, start the guests again
  homelab.connectx.pve_reboot_guard:
    phase: after
    maintenance: "{{ guard.maintenance_entered }}"
    start_guests: "{{ guard.stopped_guests }}"
'''

RETURN = r'''
proxmox:
  description: Whether the host is a Proxmox VE node (C(pvecm) found).
  returned: always
  type: bool
cluster:
  description: The cluster as C(pvecm status) shows it, V(null) for a standalone node.
  returned: when O(phase=before) on a Proxmox VE node
  type: dict
  sample: {name: homelab, quorate: true, expected_votes: 3, total_votes: 3, quorum: 2}
maintenance_entered:
  description: Whether this run put the node into HA maintenance (in check mode - would put).
  returned: always
  type: bool
stopped_guests:
  description: The guests this run shut down (in check mode - would shut down), as C({vmid, type, name}).
  returned: always
  type: list
  elements: dict
  sample: [{vmid: 102, type: qemu, name: db}]
started_guests:
  description: The guests started again by O(phase=after).
  returned: always
  type: list
  elements: dict
reason:
  description:
    - Why the module refused - C(not_quorate), C(quorum_loss), C(guests_running), C(node_mismatch) (O(node) is not
      this host's name in the cluster), C(unexpected_output) (C(pvecm status) or C(pvecm nodes) printed something
      the module cannot read, or no row for this host), C(command_failed), C(timeout), C(invalid_value).
  returned: failure
  type: str
commands:
  description: Every command the module ran, with its rc and output.
  returned: failure
  type: list
  elements: dict
'''

import platform
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils import pve
from ansible_collections.homelab.connectx.plugins.module_utils.common import refuse
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner

POLL_S = 2
# The host name as Proxmox VE takes it for the node name (PVE::INotify::nodename: uname's node name, the domain cut
# off below); a constant so that the tests can give another.
HOST_NAME = platform.node()


# HA service states that mean "not running here any more" (pve-ha-manager PVE::HA::Tools::get_verbose_service_state):
# anything else (started, migrate, relocate, starting, request_stop, ...) is still moving or running.
SETTLED = ('stopped', 'ignored', 'disabled', 'error', 'freeze')


class Guard(object):
    def __init__(self, module):
        self.module = module
        self.runner = CommandRunner(module)
        self.node = module.params['node'] or HOST_NAME.split('.')[0]
        self.done = {'maintenance_entered': False, 'stopped_guests': [], 'started_guests': []}

    def fail(self, msg, reason, result=None, undo=True, changed_nothing=True, **extra):
        undone, left = self.undo() if undo else ([], [])
        tail = ''
        if undone:
            tail += ' Undone: %s.' % '; '.join(undone)
        if left:
            tail += ' Left to do by hand: %s.' % '; '.join(left)
        if not undone and not left and changed_nothing:
            tail = ' Nothing has been changed.'
        extra.update(self.done)
        refuse(self.module, self.runner, msg + tail, reason, result=result, **extra)

    def undo(self):
        """Start the guests this run stopped and leave the maintenance it entered: (done, left to do by hand)."""
        words, left = [], []
        for guest in self.done['stopped_guests']:
            if self.start(guest, strict=False):
                words.append('started %s again' % pve.guest_words(guest))
            elif self.status(guest) != 'running':
                left.append('start %s (%s start %s)' % (pve.guest_words(guest), self.tool(guest), guest['vmid']))
        if self.done['maintenance_entered']:
            res = self.runner.run(['ha-manager', 'crm-command', 'node-maintenance', 'disable', self.node], mutating=True)
            if res.rc == 0:
                words.append('left the HA maintenance')
            else:
                left.append('leave the HA maintenance (ha-manager crm-command node-maintenance disable %s)' % self.node)
        self.done['stopped_guests'], self.done['maintenance_entered'] = [], False
        return words, left

    def cluster(self, strict=True):
        """parse_pvecm_status(), or None for a node in no cluster; with strict=False, 'unready' when pvecm cannot
        answer yet (pmxcfs or corosync still starting after a boot)."""
        res = self.runner.run(['pvecm', 'status'])
        if res.rc != 0 and pve.NOT_IN_CLUSTER in res.output:
            return None if strict else 'unready'
        try:
            return pve.parse_pvecm_status(res.stdout)
        except ParseError as exc:
            if not strict:
                return 'unready'
            self.fail('pvecm status on %s: %s (rc %s).' % (self.node, exc, res.rc), 'unexpected_output', res, undo=False)

    def check_node(self, cluster):
        """Refuse (node_mismatch) when self.node is not the name ``pvecm nodes`` gives this host (its (local) row):
        HA maintenance and the HA services are looked up by that name, so another one would find nothing to move."""
        res = self.runner.run(['pvecm', 'nodes'])
        rows, problem = [], None
        if res.rc == 0:
            try:
                rows = pve.parse_pvecm_nodes(res.stdout)
            except ParseError as exc:
                problem = str(exc)
        local = [row for row in rows if row['local'] and not row['qdevice']]
        if not local:
            self.fail('pvecm nodes on %s printed no row for this host%s (rc %s): %s. Fix: check that corosync runs '
                      '(systemctl status corosync) and that pvecm nodes shows this host marked (local).' % (
                          self.node, ' (%s)' % problem if problem else '', res.rc, res.output.strip() or 'no output'),
                      'unexpected_output', res, undo=False)
        name = local[0]['name']
        if name == self.node:
            return
        members = [row['name'] for row in rows if not row['qdevice']]
        given = bool(self.module.params['node'])
        what = "node '%s'" % self.node if given else "node '%s' (the host name %s without its domain)" % (self.node, HOST_NAME)
        fix = 'set node to %s %s' % (name, '(or leave it unset when the host name is the node name)' if given else
                                     'or give the host its node name (Proxmox VE takes the node name from the host name)')
        self.fail("pve_reboot_guard: %s is not this host's name in the Proxmox VE cluster %s (pvecm nodes: this host is "
                  "%s; members %s). Fix: %s." % (what, cluster.get('name'), name, ', '.join(members), fix),
                  'node_mismatch', res, undo=False, fix=fix, local_node=name, members=members)

    def ha(self, strict=True):
        """parse_ha_status(), None without ha-manager; a failing ha-manager fails (strict) or gives 'unready'."""
        if not self.runner.has('ha-manager'):
            return None
        res = self.runner.run(['ha-manager', 'status'])
        if res.rc == 0:
            return pve.parse_ha_status(res.stdout)
        if not strict:
            return 'unready'
        self.fail('ha-manager status on %s failed (rc %s): %s' % (self.node, res.rc, res.output.strip()), 'command_failed',
                  res)

    def guests(self):
        out = []
        for tool, parse in (('qm', pve.parse_qm_list), ('pct', pve.parse_pct_list)):
            if not self.runner.has(tool):
                continue
            res = self.runner.run([tool, 'list'])
            if res.rc != 0:
                self.fail('%s list on %s failed (rc %s): %s' % (tool, self.node, res.rc, res.output.strip()), 'command_failed',
                          res, undo=False)
            try:
                out.extend(parse(res.stdout))
            except ParseError as exc:
                self.fail('%s on %s.' % (exc, self.node), 'unexpected_output', res, undo=False)
        return out

    @staticmethod
    def tool(guest):
        return 'qm' if guest.get('type') == 'qemu' else 'pct'

    def status(self, guest):
        res = self.runner.run([self.tool(guest), 'status', str(guest['vmid'])])
        return res.stdout.strip().replace('status:', '').strip() if res.rc == 0 else None

    def start(self, guest, strict=True):
        if self.status(guest) == 'running':
            return False
        res = self.runner.run([self.tool(guest), 'start', str(guest['vmid'])], mutating=True)
        if res.rc != 0 and strict:
            self.fail('Starting %s on %s failed (rc %s): %s' % (pve.guest_words(guest), self.node, res.rc, res.output.strip()),
                      'command_failed', res, undo=False, changed_nothing=False)
        return res.rc == 0

    def wait(self, what, ready, **fail_args):
        deadline = time.time() + self.module.params['wait_timeout']
        while True:
            if ready():
                return
            if time.time() >= deadline:
                self.fail('%s on %s did not happen within %s s.' % (what, self.node, self.module.params['wait_timeout']),
                          'timeout', **fail_args)
            time.sleep(POLL_S)

    def moved_away(self):
        ha = self.ha(strict=False)
        if ha == 'unready':
            return False
        return not [s for s in (ha or {}).get('services', []) if s['node'] == self.node and s['state'] not in SETTLED]

    def before(self):
        params = self.module.params
        cluster = self.cluster()
        if cluster is not None:
            self.check_node(cluster)
        ha = self.ha() if cluster is not None else None
        guests = self.guests()
        plan = pve.decide(self.node, cluster, ha, guests, params['guests'], params['parallel'])
        summary = dict(cluster=cluster, ha_guests=[self.short(g) for g in plan['ha_guests']])
        if not plan['ok']:
            refuse(self.module, self.runner, 'Refused to reboot %s: %s. Fix: %s. Nothing has been changed.'
                   % (self.node, plan['message'], plan['fix']), plan['reason'], fix=plan['fix'], **summary)
        if self.module.check_mode:
            return dict(summary, changed=bool(plan['maintenance'] or plan['shutdown']),
                        maintenance_entered=plan['maintenance'], stopped_guests=[self.short(g) for g in plan['shutdown']],
                        started_guests=[])
        if plan['maintenance']:
            res = self.runner.run(['ha-manager', 'crm-command', 'node-maintenance', 'enable', self.node], mutating=True)
            if res.rc != 0:
                self.fail('ha-manager could not put %s into maintenance (rc %s): %s' % (self.node, res.rc, res.output.strip()),
                          'command_failed', res)
            self.done['maintenance_entered'] = True
            self.wait('Moving the HA services away', self.moved_away)
        for guest in plan['shutdown']:
            res = self.runner.run([self.tool(guest), 'shutdown', str(guest['vmid']), '--timeout',
                                   str(params['shutdown_timeout'])], mutating=True)
            state = self.status(guest)
            if state == 'stopped':
                self.done['stopped_guests'].append(self.short(guest))
            if res.rc != 0 or state != 'stopped':
                words = (pve.guest_words(guest), self.node, res.rc, res.output.strip())
                self.fail('Shutting down %s on %s failed (rc %s): %s' % words, 'command_failed', res)
        return dict(summary, changed=bool(self.done['maintenance_entered'] or self.done['stopped_guests']), **self.done)

    @staticmethod
    def short(guest):
        return {'vmid': guest['vmid'], 'type': guest['type'], 'name': guest.get('name')}

    def after(self):
        params = self.module.params
        changed = False
        clustered = params['clustered'] or params['maintenance']
        if clustered and not self.module.check_mode:
            def back():
                state = self.cluster(strict=False)
                return isinstance(state, dict) and state['quorate'] and any(m['local'] for m in state['members'])
            self.wait('Rejoining a quorate cluster', back, undo=False, changed_nothing=False)
        if params['maintenance']:
            res = self.runner.run(['ha-manager', 'crm-command', 'node-maintenance', 'disable', self.node], mutating=True)
            if res.rc != 0:
                self.fail('ha-manager could not take %s out of maintenance (rc %s): %s; run "ha-manager crm-command '
                          'node-maintenance disable %s" by hand' % (self.node, res.rc, res.output.strip(), self.node),
                          'command_failed', res, undo=False, changed_nothing=False)
            changed = True
        for guest in params['start_guests']:
            if self.module.check_mode or self.start(guest):
                self.done['started_guests'].append(self.short(guest))
                changed = True
        return dict(changed=changed, maintenance_entered=False, stopped_guests=[],
                    started_guests=self.done['started_guests'])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            phase=dict(type='str', required=True, choices=['before', 'after']),
            guests=dict(type='str', default='refuse', choices=['refuse', 'shutdown']),
            parallel=dict(type='int', default=1),
            node=dict(type='str'),
            maintenance=dict(type='bool', default=False),
            clustered=dict(type='bool', default=False),
            start_guests=dict(type='list', elements='dict', default=[], options=dict(
                vmid=dict(type='int', required=True),
                type=dict(type='str', required=True, choices=['qemu', 'lxc']),
                name=dict(type='str'),
            )),
            shutdown_timeout=dict(type='int', default=180),
            wait_timeout=dict(type='int', default=600),
        ),
        supports_check_mode=True,
    )
    if module.params['parallel'] < 1:
        module.fail_json(msg='parallel must be 1 or more, got %s.' % module.params['parallel'], reason='invalid_value')
    guard = Guard(module)
    if not guard.runner.has('pvecm'):
        module.exit_json(changed=False, proxmox=False, maintenance_entered=False, stopped_guests=[], started_guests=[])
    result = guard.before() if module.params['phase'] == 'before' else guard.after()
    module.exit_json(proxmox=True, **result)


if __name__ == '__main__':
    main()
