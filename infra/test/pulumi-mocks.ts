import * as pulumi from '@pulumi/pulumi';

/** A resource as the engine received it: its type token, logical name and inputs (secrets still wrapped). */
export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

/** Installs Pulumi mocks that echo inputs as outputs and records every registered resource. */
export async function installPulumiMocks(): Promise<RecordedResource[]> {
  const recorded: RecordedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'darkroom',
    'test',
    false,
  );
  return recorded;
}

/** Waits until the engine has registered all these resources. */
export function settle(resources: pulumi.Resource[]): Promise<unknown> {
  return new Promise((resolve) => pulumi.all(resources.map((r) => r.urn)).apply(resolve));
}

export function recordedOf(recorded: RecordedResource[], type: string): RecordedResource[] {
  return recorded.filter((r) => r.type === type);
}

export function recordedNamed(recorded: RecordedResource[], type: string, name: string): RecordedResource {
  const found = recorded.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}; recorded: ${recorded.map((r) => `${r.type}/${r.name}`).join(', ')}`);
  return found;
}

/** True for a value the engine received as a secret. */
export function isSecretInput(value: unknown): value is { value: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

/** Resolves an Output in a test (Output's promise is internal API; fine for tests). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}
