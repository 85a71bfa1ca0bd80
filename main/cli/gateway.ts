/**
 * `or-hub gateway …`: standard-protocol devices onto the bus, each gateway its own bus device
 * (docs/gateways.md). One command per gateway; add yours to the list.
 */
import { defineGroup } from './command';
import { openigtlinkCommand } from './gateway-openigtlink';

export const gatewayCommand = defineGroup({
  name: 'gateway',
  summary: "bring standard-protocol devices onto a running hub's bus (OpenIGTLink, …)",
  commands: [openigtlinkCommand],
});
