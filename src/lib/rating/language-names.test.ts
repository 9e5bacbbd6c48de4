// Language categories read in the interface's language: English names (ours from Intl, FastChat's from
// polyglot) become Chinese ones in zh-CN, and stay as they are in English or when unknown.
import { describe, expect, it } from 'vitest';
import { detectLanguage } from './conv-metadata';
import { languageCode, languageLabel } from './language-names';

describe('languageLabel', () => {
	it('names FastChat’s and our language categories in Simplified Chinese', () => {
		expect(languageLabel('English', 'zh-CN')).toBe('英语');
		expect(languageLabel('Chinese', 'zh-CN')).toBe('中文');
		expect(languageLabel('russian', 'zh-CN')).toBe('俄语');
		expect(languageLabel('Japanese', 'zh-CN')).toBe('日语');
		expect(languageLabel(detectLanguage('请详细地告诉我这座城市的历史，以及住在这里的人们的生活。'), 'zh-CN')).toBe('中文');
	});

	it('keeps English names in English, and a name it does not know everywhere', () => {
		expect(languageLabel('Chinese', 'en')).toBe('Chinese');
		expect(languageLabel('Klingonese', 'zh-CN')).toBe('Klingonese');
		expect(languageCode('Chinese')).toBe('zh');
		expect(languageCode('Cantonese')).toBe('yue');
	});
});
