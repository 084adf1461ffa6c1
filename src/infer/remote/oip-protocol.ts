import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';

/**
 * The part of the Open Inference Protocol (KServe v2, package `inference`) that scorestream calls,
 * as a protobuf descriptor: readiness, model metadata and inference. Field numbers are the
 * protocol's; Triton, KServe and MLServer serve this service under the same name.
 */
const tensorMetadata = { fields: { name: { type: 'string', id: 1 }, datatype: { type: 'string', id: 2 }, shape: { rule: 'repeated', type: 'int64', id: 3 } } };
const parameters = (id: number): { keyType: string; type: string; id: number } => ({ keyType: 'string', type: 'InferParameter', id });

/** protobufjs's JSON form, as @grpc/proto-loader reads it. */
type Descriptor = Parameters<typeof fromJSON>[0];
const method = (requestType: string, responseType: string): { requestType: string; responseType: string; comment: string } => ({ requestType, responseType, comment: '' });

const DESCRIPTOR: Descriptor = {
  nested: {
    inference: {
      nested: {
        GRPCInferenceService: {
          methods: {
            ServerReady: method('ServerReadyRequest', 'ServerReadyResponse'),
            ModelReady: method('ModelReadyRequest', 'ModelReadyResponse'),
            ModelMetadata: method('ModelMetadataRequest', 'ModelMetadataResponse'),
            ModelInfer: method('ModelInferRequest', 'ModelInferResponse'),
          },
        },
        ServerReadyRequest: { fields: {} },
        ServerReadyResponse: { fields: { ready: { type: 'bool', id: 1 } } },
        ModelReadyRequest: { fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } } },
        ModelReadyResponse: { fields: { ready: { type: 'bool', id: 1 } } },
        ModelMetadataRequest: { fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } } },
        ModelMetadataResponse: {
          fields: {
            name: { type: 'string', id: 1 },
            versions: { rule: 'repeated', type: 'string', id: 2 },
            platform: { type: 'string', id: 3 },
            inputs: { rule: 'repeated', type: 'TensorMetadata', id: 4 },
            outputs: { rule: 'repeated', type: 'TensorMetadata', id: 5 },
          },
          nested: { TensorMetadata: tensorMetadata },
        },
        ModelInferRequest: {
          fields: {
            model_name: { type: 'string', id: 1 },
            model_version: { type: 'string', id: 2 },
            id: { type: 'string', id: 3 },
            inputs: { rule: 'repeated', type: 'InferInputTensor', id: 5 },
            outputs: { rule: 'repeated', type: 'InferRequestedOutputTensor', id: 6 },
            raw_input_contents: { rule: 'repeated', type: 'bytes', id: 7 },
          },
          nested: {
            InferInputTensor: { fields: { name: { type: 'string', id: 1 }, datatype: { type: 'string', id: 2 }, shape: { rule: 'repeated', type: 'int64', id: 3 } } },
            InferRequestedOutputTensor: { fields: { name: { type: 'string', id: 1 } } },
          },
        },
        ModelInferResponse: {
          fields: {
            model_name: { type: 'string', id: 1 },
            model_version: { type: 'string', id: 2 },
            id: { type: 'string', id: 3 },
            parameters: { ...parameters(4) },
            outputs: { rule: 'repeated', type: 'InferOutputTensor', id: 5 },
            raw_output_contents: { rule: 'repeated', type: 'bytes', id: 6 },
          },
          nested: {
            InferOutputTensor: {
              fields: {
                name: { type: 'string', id: 1 },
                datatype: { type: 'string', id: 2 },
                shape: { rule: 'repeated', type: 'int64', id: 3 },
                contents: { type: 'InferTensorContents', id: 5 },
              },
            },
          },
        },
        InferParameter: {
          oneofs: { parameter_choice: { oneof: ['bool_param', 'int64_param', 'string_param'] } },
          fields: { bool_param: { type: 'bool', id: 1 }, int64_param: { type: 'int64', id: 2 }, string_param: { type: 'string', id: 3 } },
        },
        InferTensorContents: { fields: { fp32_contents: { rule: 'repeated', type: 'float', id: 6, options: { packed: true } } } },
      },
    },
  },
};

export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  /** int64 dimensions as decimal strings; -1 for a variable one. */
  readonly shape: readonly string[];
}

export interface ModelMetadataResponse {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

export interface ModelInferRequest {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
  readonly inputs: readonly { readonly name: string; readonly datatype: 'FP32'; readonly shape: readonly number[] }[];
  readonly outputs: readonly { readonly name: string }[];
  readonly raw_input_contents: readonly Buffer[];
}

export interface ModelInferResponse {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
  readonly outputs: readonly (TensorMetadata & { readonly contents: { readonly fp32_contents: readonly number[] } | null })[];
  readonly raw_output_contents: readonly Buffer[];
}

type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, response?: Res) => void) => grpc.ClientUnaryCall;

export interface InferenceServiceClient extends grpc.Client {
  ServerReady: Unary<Record<string, never>, { ready: boolean }>;
  ModelReady: Unary<{ name: string; version: string }, { ready: boolean }>;
  ModelMetadata: Unary<{ name: string; version: string }, ModelMetadataResponse>;
  ModelInfer: Unary<ModelInferRequest, ModelInferResponse>;
}

type ClientConstructor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => InferenceServiceClient;

let constructor: ClientConstructor | undefined;

/** The generated client class of GRPCInferenceService (built once). */
export function inferenceServiceClient(): ClientConstructor {
  if (!constructor) {
    const definition = fromJSON(DESCRIPTOR, { keepCase: true, longs: String, defaults: true, arrays: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: ClientConstructor } };
    constructor = pkg.inference.GRPCInferenceService;
  }
  return constructor;
}
