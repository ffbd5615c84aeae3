/**
 * The catalogue images a machine holds, as its last listing showed them: each with when it was
 * built and its size on the machine. Styled by MachineGrid.
 */
import type { Machine } from '../../api/types';
import { useNow } from '../../components/now';
import { OneLineName } from '../../components/OneLineName';
import { useI18n } from '../../i18n/I18nProvider';
import { formatBytes, formatDateTime, formatPast } from '../../utils/format';

export function MachineImages({ images }: { images: Machine['images'] }) {
  const { t, locale } = useI18n();
  const now = useNow();
  if (images === null) {
    return (
      <>
        <h3 className="machine-section">{t.machineImages.title(0)}</h3>
        <p className="machine-empty">{t.machineImages.notListed}</p>
      </>
    );
  }
  return (
    <>
      <h3 className="machine-section" title={formatDateTime(images.at, locale)}>
        {t.machineImages.title(images.images.length)}
      </h3>
      {images.images.length === 0 ? (
        <p className="machine-empty">{t.machineImages.none}</p>
      ) : (
        <ul className="machine-list">
          {images.images.map((image) => (
            <li className="machine-image" key={image.name}>
              <span className="machine-image-name">
                <OneLineName name={image.name} />
              </span>
              <span className="secondary" title={image.createdAt ? formatDateTime(image.createdAt, locale) : undefined}>
                {t.machineImages.facts(image.createdAt ? formatPast(image.createdAt, now, locale) : t.machines.unknown, formatBytes(image.sizeBytes, locale))}
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
