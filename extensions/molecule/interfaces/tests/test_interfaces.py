# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""interfaces: the ports are configured as declared (ifquery --check) and management is untouched."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def test_running_state_matches_the_stanzas(host, lab_host, lab_hostvars):
    names = [conf['name'] for conf in lab_hostvars[lab_host]['connectx_interfaces']]
    # ifupdown2's own check: exit 0 only when every attribute of every stanza is in effect.
    host.run_expect([0], 'ifquery --check %s' % ' '.join(names))


def test_each_port_has_its_address_and_is_up(host, lab_host, lab_hostvars):
    for conf in lab_hostvars[lab_host]['connectx_interfaces']:
        iface = host.interface(conf['name'])
        assert iface.exists
        assert conf['address'].split('/')[0] in iface.addresses
        assert 'UP' in host.check_output('ip -o link show %s' % conf['name']).split('<', 1)[1].split('>', 1)[0].split(',')
        stanza = host.file('/etc/network/interfaces.d/connectx-%s' % conf['name'])
        assert stanza.exists and stanza.mode == 0o644 and 'iface %s inet static' % conf['name'] in stanza.content_string


def test_management_is_untouched(host, lab_host, lab_hostvars):
    """The management path the role found by itself (the lab's inventory names none): mgmt0 still up, the address
    still on vmbr0 over it (a Proxmox host, as the installer sets it up) or on mgmt0 itself, and the shipped
    /etc/network/interfaces unchanged in what it says about them."""
    assert 'connectx_management_interface' not in lab_hostvars[lab_host]
    assert 'UP' in host.check_output('ip -o link show mgmt0')
    shipped = host.file('/etc/network/interfaces').content_string
    assert 'iface mgmt0 inet manual' in shipped
    holder = 'vmbr0' if 'auto vmbr0' in shipped else 'mgmt0'
    if holder == 'vmbr0':
        assert 'master vmbr0' in host.check_output('ip -o link show mgmt0')
    assert any(addr.startswith('198.19.0.') for addr in host.interface(holder).addresses)
