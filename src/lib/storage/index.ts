// Public API of browser storage: model weights, conversations, settings.
// Each collection lives in its own IndexedDB database; import from here, not from the modules.
export { idbStore, type KeyValueStore } from './kv';
export {
	CachedFileSchema,
	DEFAULT_CHUNK_BYTES,
	MANIFEST_VERSION,
	ManifestSchema,
	defaultWeightStores,
	deleteCachedModel,
	getManifest,
	listCachedModels,
	verifyCachedModel,
	type CacheProblem,
	type CachedFile,
	type Manifest,
	type VerifyResult,
	type WeightStores
} from './weight-manifest';
export {
	openModelCache,
	type CacheStats,
	type ModelCache,
	type ModelCacheOptions,
	type PutProgress
} from './weight-cache';
export {
	CONVERSATION_MIGRATIONS,
	CONVERSATION_VERSION,
	ConversationParamsSchema,
	ConversationSchema,
	ExportBundleSchema,
	MessageStatsSchema,
	StoredMessageSchema,
	defaultConversationStore,
	deleteConversation,
	exportAllConversations,
	exportConversation,
	getConversation,
	importConversations,
	listConversations,
	migrate,
	newConversation,
	NEW_CHAT_TITLE,
	saveConversation,
	summarize,
	toPortable,
	withSummary,
	type Conversation,
	type ConversationParams,
	type ConversationSummary,
	type ExportBundle,
	type MessageStats,
	type Migration,
	type StoredMessage
} from './conversations';
export {
	IMAGE_TYPES,
	MAX_IMAGES_PER_MESSAGE,
	MAX_IMAGE_BYTES,
	StoredImageSchema,
	blobToDataUrl,
	dataUrlToBlob,
	isImageType,
	type ImageType,
	type StoredImage
} from './conversations-images';
export {
	DEFAULT_SETTINGS,
	SettingsSchema,
	defaultSettingsStore,
	getSettings,
	updateSettings,
	type Settings,
	type SettingsPatch
} from './settings';
