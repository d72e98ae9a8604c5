import { CLIENT_NAMES, isClientName, type ClientName, type ClientUnderTest } from './client.js';
import { confluentClient } from './confluent-client.js';
import { kafkajsClient } from './kafkajs-client.js';
import { platformaticClient } from './platformatic-client.js';

/** The clients named in a comma-separated list, in its order; a candidate that is not installed says how to. */
export async function loadClients(list: string): Promise<ClientUnderTest[]> {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !isClientName(name));
  if (unknown.length > 0) throw new Error(`unknown client ${unknown.join(', ')}: use ${CLIENT_NAMES.join(', ')}`);
  return Promise.all(names.filter(isClientName).map(loadClient));
}

function loadClient(name: ClientName): Promise<ClientUnderTest> {
  switch (name) {
    case 'kafkajs':
      return Promise.resolve(kafkajsClient());
    case 'confluent':
      return confluentClient();
    case 'platformatic':
      return platformaticClient(false);
    case 'platformatic-reinit':
      return platformaticClient(true);
  }
}
