# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Ansible inventory of the lab (.cache/lab/inventory.yml) and the crossflash target image it names."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os

import yaml

from labkit.common import REPO, STATE
from labkit.ssh import client_key, ssh_dir
from labkit.topology import split_port
import build_image  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error


# NVIDIA's file name of the target image (psid table fixture notes): what a user downloads.
IMAGE_NAMES = {'MCX354A-FCBT': 'fw-ConnectX3-rel-2_42_5000-MCX354A-FCB_A2-A5-FlexBoot-3.4.752.bin'}


def target_image(topo):
    """The crossflash target on the controller, with its sha256 (built once)."""
    preset = topo['target_image']
    path = os.path.join(STATE, 'firmware', IMAGE_NAMES.get(preset, 'fw-%s.bin' % preset))
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + '.part', 'wb') as handle:
            handle.write(build_image.build(preset))
        os.rename(path + '.part', path)
    with open(path, 'rb') as handle:
        return path, hashlib.sha256(handle.read()).hexdigest()


def inventory(topo):
    image, sha = target_image(topo)
    links = []
    for cable in topo.get('cables') or []:
        (a_host, a_port), (b_host, b_port) = split_port(cable['a']), split_port(cable['b'])
        links.append({'name': cable['name'], 'a': {'host': a_host, 'iface': a_port}, 'b': {'host': b_host, 'iface': b_port},
                      'speed_mbps': cable['speed_mbps']})
    groups = {}
    for name, host in sorted(topo['hosts'].items()):
        # As a homelab reaches its nodes: SSH to the management address, host keys checked against
        # the lab's known_hosts; root, or a sudo user with become.
        hostvars = {
            'ansible_connection': 'ssh',
            'ansible_host': host['management'],
            'ansible_user': host.get('login', 'root'),
            'ansible_ssh_private_key_file': client_key(),
            'ansible_ssh_common_args': '-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'
                                       % os.path.join(ssh_dir(), 'known_hosts'),
            'ansible_python_interpreter': '/usr/bin/python3',
            'connectx_interfaces': host.get('interfaces') or [],
        }
        if host.get('login', 'root') != 'root':
            hostvars['ansible_become'] = True
        # The lab's own marker of the host's release (tests find the Proxmox VE 9 hosts by it; no role reads it).
        hostvars['cxlab_os'] = host.get('os', 'pve8')
        if not host.get('firmware', True):
            # No image for this host: nor a PSID change (inventory_check warns about an allow without an image).
            hostvars['connectx_firmware_image'] = ''
            hostvars['connectx_allow_psid_change'] = False
        hostvars.update(host.get('vars') or {})
        groups.setdefault(host['group'], {'hosts': {}})['hosts'][name] = hostvars
    return {'all': {
        'vars': {
            'connectx_firmware_image': image,
            'connectx_firmware_image_sha256': sha,
            'connectx_allow_psid_change': True,
            'connectx_backup_dir': os.path.join(STATE, 'backups'),
            'connectx_report_dir': os.path.join(REPO, 'reports'),
            'connectx_links': links,
        },
        'children': {'connectx_hosts': {'children': groups}},
    }}


def write_inventory(topo):
    path = os.path.join(STATE, 'inventory.yml')
    with open(path + '.part', 'w') as handle:
        handle.write('# Written by tests/lab/labctl.py from tests/lab/topology.yml; do not edit.\n')
        yaml.safe_dump(inventory(topo), handle, sort_keys=False, default_flow_style=False)
    os.rename(path + '.part', path)
    return path
