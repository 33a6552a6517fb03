# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The topology (tests/lab/topology.yml and the molecule scenarios' topologies), checked before anything is built.

Each field is checked by TOPOLOGY_SCHEMA, a JSON Schema (jsonschema, pinned in constraints.txt): every schema node that
can fail carries its one-line message (``x-message``, a str.format template: ``where`` is the field as
``topology: hosts.pve1.cards[0].preset``, ``parent`` the field holding it, ``value`` what the topology has there, None
when it is missing, ``file`` the topology's path). What a schema cannot say (a management address in the management
subnet, an interface or a cable end that is a port of a card, a port cabled once) is references(); the cluster:
field is tests/lab/cluster.py's. The first failure is reported as a LabError naming the field.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

import jsonschema
import yaml

from labkit.common import OS_SUITES, LabError
import build_image  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error
import cardctl as emulated_cards  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error
import cluster  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error

BENCHMARK_NET = ipaddress.ip_network('198.18.0.0/15')
DEFAULT_MANAGEMENT_SUBNET = '198.19.0.0/24'
FORMATS = jsonschema.FormatChecker(())


@FORMATS.checks('ipv4-network', raises=ValueError)
def _ipv4_network(value):
    return ipaddress.IPv4Network(str(value)) is not None


@FORMATS.checks('benchmark-subnet')
def _benchmark_subnet(value):
    """Inside 198.18.0.0/15 (RFC 2544's benchmark range); what is not an IPv4 network is ipv4-network's to report."""
    try:
        return BENCHMARK_NET.supernet_of(ipaddress.IPv4Network(str(value)))
    except ValueError:
        return True


@FORMATS.checks('ip-address', raises=ValueError)
def _ip_address(value):
    return ipaddress.ip_address(str(value)) is not None


@FORMATS.checks('ip-interface', raises=ValueError)
def _ip_interface(value):
    return ipaddress.ip_interface(str(value)) is not None


def _known(names):
    return ', '.join(names)


PRESETS = sorted(build_image.PRESETS)
# What `field or []` takes for "none": a list field may be any of these (labctl has always read them so).
FALSY = [None, False, 0, '', [], {}]
SLOT = '{parent}.slot_speed/slot_width: must be 2.5|5|8 GT/s and 1|2|4|8|16 lanes'
HOSTS_MESSAGE = 'topology {file}: field "hosts" must be a mapping of host names'

CARD = {
    'type': 'object',
    'x-message': '{where}: must be a mapping',
    'required': ['preset', 'bdf', 'slot_speed', 'slot_width'],
    'properties': {
        'preset': {'enum': PRESETS, 'x-message': '{where}: unknown preset/PSID {value!r} (known: %s)' % _known(PRESETS)},
        'bdf': {'type': 'string', 'pattern': r'^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$',
                'x-message': '{where}: not a PCI address like 0000:03:00.0: {value!r}'},
        # 0 and 1 too (YAML 1.1 writers), as `vsc in (True, False)` always took them.
        'vsc': {'enum': [True, False, 0, 1], 'x-message': '{where}: must be true or false, got {value!r}'},
        'slot_speed': {'enum': [2.5, 5, 8], 'x-message': SLOT},
        'slot_width': {'enum': [1, 2, 4, 8, 16], 'x-message': SLOT},
        'netdevs': {'if': {'not': {'enum': FALSY}}, 'then': {'type': 'array', 'items': {'type': 'string'}},
                    'x-message': '{where}: must be a list of the port names, got {value!r}'},
    },
}

INTERFACE = {
    'type': 'object',
    'x-message': '{where}: must be a mapping like {{name: ens1, address: 198.18.1.1/30}}',
    'required': ['address'],
    'properties': {
        'name': {},  # a port of the host's cards: references()
        'address': {'format': 'ip-interface', 'x-message': '{where}: not an address/prefix: {value!r}'},
    },
}

HOST = {
    'type': 'object',
    'x-message': '{where}: must be a mapping',
    'required': ['group', 'management', 'cards'],
    'properties': {
        'group': {'enum': ['proxmox', 'linux_hosts'], 'x-message': '{where}: must be proxmox or linux_hosts, got {value!r}'},
        'management': {'format': 'ip-address', 'x-message': '{where}: not an IP address: {value!r}'},
        'os': {'enum': sorted(OS_SUITES), 'x-message': '{where}: must be one of %s, got {value!r}' % _known(sorted(OS_SUITES))},
        'login': {'type': 'string', 'pattern': r'^[a-z_][a-z0-9_-]{0,31}$', 'x-message': '{where}: not a user name: {value!r}'},
        'vars': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': r'^connectx_[a-z0-9_]+$'},
                 'x-message': '{where}: must map connectx_* variable names to values, got {value!r}'},
        'cards': {'type': 'array', 'minItems': 1, 'items': CARD, 'x-message': '{where}: must be a non-empty list'},
        'interfaces': {'if': {'not': {'enum': FALSY}}, 'then': {'type': 'array'}, 'items': INTERFACE,
                       'x-message': '{where}: must be a list of interfaces'},
    },
}

MODULE = {
    'type': ['object', 'null'],
    'x-message': '{where}: must be a mapping like {{vendor: Mellanox, part_number: MC2207130-001, type: dac}}',
    'properties': {
        'type': {'enum': list(emulated_cards.MODULE_TYPES),
                 'x-message': '{where}: unknown module type {value!r} (known: %s)' % _known(emulated_cards.MODULE_TYPES)},
    },
    'propertyNames': {'enum': list(emulated_cards.MODULE_KEYS),
                      'x-message': '{where}: unknown field (known: %s)' % _known(emulated_cards.MODULE_KEYS)},
}

CABLE = {
    'type': 'object',
    'x-message': '{where}.name: every cable needs a name',
    'required': ['name', 'speed_mbps'],
    'properties': {
        'name': {'not': {'enum': [None, False, 0, '', [], {}]}, 'x-message': '{where}: every cable needs a name'},
        'a': {},  # host:port of a card, cabled once: references()
        'b': {},
        'speed_mbps': {'enum': [10000, 40000, 56000], 'x-message': '{where}: must be 10000, 40000 or 56000, got {value!r}'},
        'module': MODULE,
    },
}

TOPOLOGY_SCHEMA = {
    '$schema': 'https://json-schema.org/draft/2020-12/schema',
    'title': 'The built-in lab topology (tests/lab/topology.yml)',
    'type': 'object',
    'x-message': HOSTS_MESSAGE,
    'required': ['hosts', 'target_image'],
    'properties': {
        'management_subnet': {'allOf': [
            {'format': 'ipv4-network', 'x-message': 'topology: field "management_subnet" must be an IPv4 network, got {value!r}'},
            {'format': 'benchmark-subnet',
             'x-message': 'topology: field "management_subnet" must be inside %s (benchmark range), got {network}' % BENCHMARK_NET},
        ]},
        'target_image': {'enum': PRESETS,
                         'x-message': 'topology: field "target_image" must be one of %s, got {value!r}' % _known(PRESETS)},
        'hosts': {
            'type': 'object', 'minProperties': 1, 'x-message': HOSTS_MESSAGE,
            'propertyNames': {'type': 'string', 'pattern': r'^[a-z][a-z0-9-]{0,15}$',
                              'x-message': '{where}: host name must be lower-case letters, digits, dashes (max 16)'},
            'additionalProperties': HOST,
        },
        'cables': {'if': {'not': {'enum': FALSY}}, 'then': {'type': 'array'}, 'items': CABLE,
                   'x-message': '{where}: must be a list of cables'},
    },
}

VALIDATOR = jsonschema.Draft202012Validator(TOPOLOGY_SCHEMA, format_checker=FORMATS)


def _value(topo, path):
    for part in path:
        try:
            topo = topo[part]
        except (KeyError, IndexError, TypeError):
            return None
    return topo


def _where(topo, path):
    """The field at ``path`` as the messages name it: topology: hosts.pve1.cards[0].preset."""
    text, node = 'topology: ', topo
    for i, part in enumerate(path):
        text += '[%d]' % part if isinstance(node, list) else '%s%s' % ('.' if i else '', part)
        node = _value(node, [part])
    return text


def _located(error):
    """(x-message, instance path) of a schema error: the innermost node with a message on the error's way."""
    node, consumed, steps = TOPOLOGY_SCHEMA, 0, list(error.schema_path)
    instance_path = list(error.absolute_path)
    found = (node['x-message'], [])
    i = 0
    while i < len(steps):
        keyword = steps[i]
        if keyword == 'properties':
            node, i, consumed = node[keyword][steps[i + 1]], i + 2, consumed + 1
        elif keyword in ('additionalProperties', 'items'):
            node, i, consumed = node[keyword], i + 1, consumed + 1
        elif keyword in ('allOf', 'anyOf', 'oneOf'):
            node, i = node[keyword][steps[i + 1]], i + 2
        elif keyword == 'propertyNames':
            # The name is the error's instance; the message is about the field of that name.
            node, i = node[keyword], i + 1
            if 'x-message' in node:
                return node['x-message'], instance_path[:consumed] + [error.instance]
            continue
        else:
            break
        if 'x-message' in node:
            found = (node['x-message'], instance_path[:consumed])
    if error.validator == 'required' and steps[-1] == 'required':
        missing = [name for name in error.validator_value if name not in error.instance][0]
        child = node.get('properties', {}).get(missing, {})
        if 'x-message' in child:
            return child['x-message'], instance_path + [missing]
    return found


def _order(topo, path):
    """Where a failure comes in the order the fields are checked: the hosts mapping, management_subnet,
    target_image, each host (its name, then its fields in the schema's order, each card, each interface), the cables."""
    if path == ['hosts']:
        return [-1]
    order, node, schema = [], topo, TOPOLOGY_SCHEMA
    for part in path:
        if isinstance(node, list):
            order.append(part)
            schema = schema.get('items', {})
        elif isinstance(node, dict) and part in schema.get('properties', {}):
            order.append(list(schema['properties']).index(part))
            schema = schema['properties'][part]
        elif isinstance(node, dict):
            order.append(1000 + (list(node).index(part) if part in node else len(node)))
            schema = schema.get('additionalProperties', {})
        else:
            order.append(0)
            schema = {}
        node = _value(node, [part])
    return order


def _network(value):
    try:
        return str(ipaddress.IPv4Network(str(value)))
    except ValueError:
        return value


def schema_errors(topo, file='-'):
    """[(instance path, message)] of the schema's failures."""
    found = []
    for error in VALIDATOR.iter_errors(topo):
        message, path = _located(error)
        value = _value(topo, path)
        found.append((path, message.format(where=_where(topo, path), parent=_where(topo, path[:-1]), value=value,
                                           network=_network(value), file=file)))
    return found


def reference_errors(topo):
    """[(instance path, message)] of what a schema cannot check: a management address in the management subnet, an
    interface and a cable end that are ports of the host's cards, a port cabled once. What the schema refuses (a
    host that is not a mapping, ...) is left to it."""
    found = []
    hosts = topo.get('hosts') if isinstance(topo, dict) and isinstance(topo.get('hosts'), dict) else {}
    try:
        net = management_net(topo)
    except ValueError:
        net = None
    ports = {}
    for name, host in hosts.items():
        if not isinstance(host, dict):
            continue
        where = 'topology: hosts.%s' % name
        try:
            address = ipaddress.ip_address(str(host.get('management')))
        except ValueError:
            address = None
        if address is not None and net is not None and address not in net:
            found.append((['hosts', name, 'management'],
                          '%s.management: %s is not in management_subnet %s' % (where, host['management'], net)))
        for card in host.get('cards') if isinstance(host.get('cards'), list) else []:
            netdevs = (card.get('netdevs') or []) if isinstance(card, dict) else []
            for dev in netdevs if isinstance(netdevs, list) else []:
                ports['%s:%s' % (name, dev)] = card
        interfaces = host.get('interfaces') or []
        for i, conf in enumerate(interfaces if isinstance(interfaces, list) else []):
            if isinstance(conf, dict) and '%s:%s' % (name, conf.get('name')) not in ports:
                found.append((['hosts', name, 'interfaces', i, 'name'],
                              '%s.interfaces[%d].name: %r is not a port of this host' % (where, i, conf.get('name'))))
    seen = set()
    cables = (topo.get('cables') or []) if isinstance(topo, dict) else []
    for i, cable in enumerate(cables if isinstance(cables, list) else []):
        where = 'topology: cables[%d]' % i
        for side in ('a', 'b') if isinstance(cable, dict) else ():
            if not isinstance(cable.get(side), str) or cable[side] not in ports:
                found.append((['cables', i, side], '%s.%s: %r is not host:port of a card in the topology' % (where, side, cable.get(side))))
                break
            if cable[side] in seen:
                found.append((['cables', i, side], '%s.%s: port %s is already cabled' % (where, side, cable[side])))
                break
            seen.add(cable[side])
    return found


def topology_errors(topo, file='-'):
    """Every message for what is wrong in the topology (cluster: aside), in the order the fields are checked: the
    hosts mapping, management_subnet, target_image, each host (its name, its fields in the schema's order, each card,
    each interface), the cables."""
    found = schema_errors(topo, file) + reference_errors(topo) if isinstance(topo, dict) else schema_errors(topo, file)
    messages = []
    for _path, message in sorted(found, key=lambda item: _order(topo, item[0])):
        if message not in messages:
            messages.append(message)
    return messages


def check_topology(topo, file='-'):
    """The topology checked: the schema, the references, the cluster; a LabError naming the first field wrong."""
    errors = topology_errors(topo, file)
    if errors:
        raise LabError(errors[0])
    try:
        cluster.validate(topo)
    except ValueError as exc:
        raise LabError(str(exc))
    return topo


def load_topology(path):
    """The topology, checked: a LabError naming the field for anything wrong."""
    try:
        with open(path) as handle:
            topo = yaml.safe_load(handle)
    except (IOError, OSError) as exc:
        raise LabError('topology %s: cannot read it (%s)' % (path, exc.strerror))
    except yaml.YAMLError as exc:
        raise LabError('topology %s: not valid YAML (%s)' % (path, str(exc).splitlines()[0]))
    return check_topology(topo, path)


def management_net(topo):
    return ipaddress.ip_network(str(topo.get('management_subnet', DEFAULT_MANAGEMENT_SUBNET)))


def split_port(text):
    host, port = text.split(':', 1)
    return host, port
