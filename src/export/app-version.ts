/** The app's name and version as exports record them (kept equal to package.json by a test). */
export const APP_NAME = 'metamer-playground';
export const APP_VERSION = '0.1.0';
