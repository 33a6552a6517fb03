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


def test_management_interface_is_untouched(host, lab_host, lab_hostvars):
    mgmt = host.interface('mgmt0')
    assert 'UP' in host.check_output('ip -o link show mgmt0')
    assert lab_hostvars[lab_host].get('connectx_management_interface') == 'mgmt0'
    assert any(addr.startswith('198.19.0.') for addr in mgmt.addresses)
    # Still in the shipped /etc/network/interfaces as "manual": ifupdown2 never took it over.
    assert 'iface mgmt0 inet manual' in host.file('/etc/network/interfaces').content_string
