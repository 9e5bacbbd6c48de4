// Minimal ONNX graph builder on top of `onnx-proto`: named nodes, raw_data initializers,
// typed graph inputs/outputs, and deterministic serialization to ModelProto bytes.
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';

const proto = onnxProto.onnx;
export const DataType = proto.TensorProto.DataType;
type Dim = number | string;
type AttrValue = number | number[] | string | { float: number };

export const OPSET = 17;
export const IR_VERSION = 8;
/** ONNX Runtime's contrib-op domain (MatMulNBits), imported at version 1 when used. */
export const MS_DOMAIN = 'com.microsoft';

function bytesOf(data: Float32Array | Int8Array | BigInt64Array | Uint8Array): Uint8Array {
	// Typed arrays are little-endian on every platform Node and browsers run on.
	return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class GraphBuilder {
	private nodes: onnx.INodeProto[] = [];
	private initializers: onnx.ITensorProto[] = [];
	private inputs: onnx.IValueInfoProto[] = [];
	private outputs: onnx.IValueInfoProto[] = [];
	private counter = 0;
	private constCache = new Map<string, string>();
	private usesMsDomain = false;

	/** A fresh, unique tensor name with a readable prefix. */
	fresh(prefix: string): string {
		return `${prefix}_${this.counter++}`;
	}

	input(name: string, elemType: number, shape: Dim[]): string {
		this.inputs.push(valueInfo(name, elemType, shape));
		return name;
	}

	output(name: string, elemType: number, shape: Dim[]): void {
		this.outputs.push(valueInfo(name, elemType, shape));
	}

	initializer(
		name: string,
		data: Float32Array | Int8Array | BigInt64Array | Uint8Array,
		dims: number[],
		dataType: number
	): string {
		this.initializers.push({ name, dims, dataType, rawData: bytesOf(data) });
		return name;
	}

	float(name: string, data: Float32Array, dims: number[]): string {
		return this.initializer(name, data, dims, DataType.FLOAT);
	}

	/** Shared int64 constant (deduplicated by value and shape). */
	int64(values: number[], dims: number[] = [values.length]): string {
		const key = `i64:${dims.join('x')}:${values.join(',')}`;
		let name = this.constCache.get(key);
		if (!name) {
			name = this.fresh('const_i64');
			this.initializer(name, BigInt64Array.from(values.map(BigInt)), dims, DataType.INT64);
			this.constCache.set(key, name);
		}
		return name;
	}

	/** Shared float scalar constant. */
	scalar(value: number): string {
		const key = `f32:${value}`;
		let name = this.constCache.get(key);
		if (!name) {
			name = this.fresh('const_f32');
			this.initializer(name, Float32Array.of(value), [], DataType.FLOAT);
			this.constCache.set(key, name);
		}
		return name;
	}

	/** Add a node; returns its output name (or `outputName` when given). */
	op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
		return this.node('', opType, inputs, attrs, outputName);
	}

	/** Add a `com.microsoft` contrib node (and the domain's opset import). */
	msOp(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
		this.usesMsDomain = true;
		return this.node(MS_DOMAIN, opType, inputs, attrs, outputName);
	}

	private node(
		domain: string,
		opType: string,
		inputs: string[],
		attrs: Record<string, AttrValue>,
		outputName?: string
	): string {
		const out = outputName ?? this.fresh(opType.toLowerCase());
		this.nodes.push({
			opType,
			...(domain ? { domain } : {}),
			name: `${opType}_${this.nodes.length}`,
			input: inputs,
			output: [out],
			attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v))
		});
		return out;
	}

	/** Serialize to ModelProto bytes. */
	encode(graphName: string, metadata: Record<string, string> = {}): Uint8Array {
		const model = proto.ModelProto.create({
			irVersion: IR_VERSION,
			producerName: 'lumen-model-builder',
			producerVersion: '1',
			opsetImport: [
				{ domain: '', version: OPSET },
				...(this.usesMsDomain ? [{ domain: MS_DOMAIN, version: 1 }] : [])
			],
			metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
			graph: {
				name: graphName,
				node: this.nodes,
				initializer: this.initializers,
				input: this.inputs,
				output: this.outputs
			}
		});
		return proto.ModelProto.encode(model).finish();
	}
}

function valueInfo(name: string, elemType: number, shape: Dim[]): onnx.IValueInfoProto {
	return {
		name,
		type: {
			tensorType: {
				elemType,
				shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) }
			}
		}
	};
}

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
	const T = proto.AttributeProto.AttributeType;
	if (typeof v === 'number') return { name, type: T.INT, i: v };
	if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
	if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
	return { name, type: T.FLOAT, f: v.float };
}
