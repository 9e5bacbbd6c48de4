// Hugging Face `config.json` and `generation_config.json` contents for a built test model.
import type { ModelSpec } from './model-spec';
import type { BuiltTokenizer } from './tokenizer-files';

export function llamaConfig(spec: ModelSpec, tok: BuiltTokenizer, configHash: string): object {
	return {
		architectures: ['LlamaForCausalLM'],
		model_type: 'llama',
		attention_bias: false,
		attention_dropout: 0.0,
		bos_token_id: tok.bosId,
		eos_token_id: tok.eosId,
		pad_token_id: tok.padId,
		head_dim: spec.headDim,
		hidden_act: 'silu',
		hidden_size: spec.hiddenSize,
		initializer_range: 0.02,
		intermediate_size: spec.intermediateSize,
		max_position_embeddings: spec.maxPositionEmbeddings,
		mlp_bias: false,
		num_attention_heads: spec.numHeads,
		num_hidden_layers: spec.numLayers,
		num_key_value_heads: spec.numKvHeads,
		pretraining_tp: 1,
		rms_norm_eps: spec.rmsNormEps,
		rope_scaling: null,
		rope_theta: spec.ropeTheta,
		tie_word_embeddings: false,
		torch_dtype: 'float32',
		use_cache: true,
		vocab_size: spec.vocabSize,
		lumen: {
			test_model: true,
			seed: spec.seed,
			description: spec.description,
			lm_head_bias: true,
			config_hash: configHash
		}
	};
}

export function generationConfig(spec: ModelSpec, tok: BuiltTokenizer): object {
	return {
		bos_token_id: tok.bosId,
		eos_token_id: tok.eosId,
		pad_token_id: tok.padId,
		max_new_tokens: spec.maxNewTokens,
		do_sample: false
	};
}
